/*  stopword.c - a sorted list of English function words, auxiliaries,
 *  fillers and very general verbs and nouns, searched by bisection.
 *  SPDX-License-Identifier: MIT
 */
#include "stopword.h"

#include <string.h>

/* Sorted in byte order (LC_ALL=C sort): the bisection depends on it. */
static const char *const s_words[] = {
    "a",          "able",         "about",      "above",      "across",     "actually",
    "after",      "afterwards",   "again",      "against",    "ago",        "ah",
    "ahead",      "all",          "almost",     "alone",      "along",      "already",
    "also",       "although",     "always",     "am",         "among",      "amongst",
    "an",         "and",          "another",    "any",        "anybody",    "anyhow",
    "anyone",     "anything",     "anyway",     "anyways",    "anywhere",   "are",
    "aren't",     "around",       "as",         "aside",      "ask",        "asked",
    "asking",     "at",           "away",       "back",       "basically",  "be",
    "became",     "because",      "become",     "becomes",    "becoming",   "been",
    "before",     "beforehand",   "behind",     "being",      "below",      "beside",
    "besides",    "best",         "better",     "between",    "beyond",     "big",
    "billion",    "billions",     "bit",        "both",       "bring",      "brings",
    "but",        "by",           "call",       "called",     "came",       "can",
    "can't",      "cannot",       "case",       "certain",    "certainly",  "clearly",
    "come",       "comes",        "coming",     "could",      "couldn't",   "day",
    "days",       "did",          "didn't",     "do",         "does",       "doesn't",
    "doing",      "don't",        "done",       "down",       "during",     "each",
    "easily",     "easy",         "eg",         "eight",      "either",     "else",
    "elsewhere",  "enough",       "especially", "etc",        "even",       "ever",
    "every",      "everybody",    "everyone",   "everything", "everywhere", "exactly",
    "example",    "fact",         "far",        "few",        "fine",       "first",
    "five",       "for",          "former",     "formerly",   "four",       "from",
    "further",    "furthermore",  "gave",       "generally",  "get",        "gets",
    "getting",    "give",         "given",      "gives",      "giving",     "go",
    "goes",       "going",        "gone",       "good",       "got",        "gotten",
    "great",      "had",          "hadn't",     "half",       "happen",     "happens",
    "hard",       "has",          "hasn't",     "have",       "haven't",    "having",
    "he",         "he'd",         "he'll",      "he's",       "hence",      "her",
    "here",       "here's",       "hers",       "herself",    "hey",        "him",
    "himself",    "his",          "hmm",        "how",        "how's",      "however",
    "huge",       "huh",          "hundred",    "hundreds",   "i",          "i'd",
    "i'll",       "i'm",          "i've",       "ie",         "if",         "in",
    "indeed",     "instance",     "instead",    "into",       "is",         "isn't",
    "it",         "it'd",         "it'll",      "it's",       "its",        "itself",
    "just",       "keep",         "keeps",      "kind",       "kinda",      "know",
    "known",      "knows",        "large",      "last",       "later",      "learn",
    "learned",    "least",        "less",       "let",        "let's",      "lets",
    "like",       "likely",       "little",     "lot",        "lots",       "made",
    "mainly",     "make",         "makes",      "making",     "many",       "may",
    "maybe",      "me",           "mean",       "means",      "meant",      "meanwhile",
    "might",      "million",      "millions",   "mine",       "more",       "moreover",
    "most",       "mostly",       "much",       "must",       "my",         "myself",
    "namely",     "need",         "needs",      "neither",    "never",      "nevertheless",
    "next",       "nine",         "no",         "nobody",     "none",       "nor",
    "not",        "nothing",      "now",        "nowhere",    "number",     "of",
    "off",        "often",        "oh",         "ok",         "okay",       "on",
    "once",       "one",          "ones",       "only",       "onto",       "or",
    "other",      "others",       "otherwise",  "ought",      "our",        "ours",
    "ourselves",  "out",          "over",       "overall",    "own",        "part",
    "particular", "particularly", "people",     "percent",    "perhaps",    "person",
    "please",     "point",        "pretty",     "probably",   "put",        "puts",
    "quite",      "rather",       "really",     "right",      "said",       "same",
    "saw",        "say",          "saying",     "says",       "see",        "seeing",
    "seem",       "seemed",       "seeming",    "seems",      "seen",       "seven",
    "several",    "shall",        "she",        "she'd",      "she'll",     "she's",
    "should",     "shouldn't",    "simple",     "simply",     "since",      "six",
    "small",      "so",           "some",       "somebody",   "somehow",    "someone",
    "something",  "sometimes",    "somewhat",   "somewhere",  "sort",       "sorts",
    "still",      "stuff",        "such",       "suppose",    "supposed",   "sure",
    "take",       "taken",        "takes",      "taking",     "tell",       "tells",
    "ten",        "than",         "that",       "that's",     "the",        "their",
    "theirs",     "them",         "themselves", "then",       "there",      "there's",
    "thereby",    "therefore",    "these",      "they",       "they'd",     "they'll",
    "they're",    "they've",      "thing",      "things",     "think",      "thinking",
    "thinks",     "this",         "those",      "though",     "thought",    "thousand",
    "thousands",  "three",        "through",    "throughout", "thus",       "time",
    "times",      "to",           "today",      "together",   "too",        "took",
    "totally",    "toward",       "towards",    "train",      "tried",      "tries",
    "trillion",   "trillions",    "truly",      "try",        "trying",     "twice",
    "two",        "uh",           "um",         "un",         "under",      "unless",
    "unlike",     "until",        "up",         "upon",       "us",         "use",
    "used",       "uses",         "using",      "usually",    "various",    "very",
    "via",        "want",         "wanted",     "wants",      "was",        "wasn't",
    "way",        "ways",         "we",         "we'd",       "we'll",      "we're",
    "we've",      "well",         "went",       "were",       "weren't",    "what",
    "what's",     "whatever",     "when",       "whenever",   "where",      "where's",
    "whereas",    "whereby",      "wherever",   "whether",    "which",      "while",
    "who",        "who's",        "whoever",    "whole",      "whom",       "whose",
    "why",        "will",         "with",       "within",     "without",    "won't",
    "would",      "wouldn't",     "yeah",       "year",       "years",      "yes",
    "yet",        "you",          "you'd",      "you'll",     "you're",     "you've",
    "your",       "yours",        "yourself",   "yourselves",
};

#define S_N_WORDS (sizeof s_words / sizeof s_words[0])

static int s_compare(const char *word, size_t len, const char *entry)
{
    size_t elen = strlen(entry);
    size_t n = len < elen ? len : elen;
    int c = memcmp(word, entry, n);
    if (c != 0)
        return c;
    return len < elen ? -1 : len > elen ? 1 : 0;
}

bool stopword_is(const char *word, size_t len)
{
    size_t lo = 0, hi = S_N_WORDS;
    if (len == 0 || len > 12)
        return false;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = s_compare(word, len, s_words[mid]);
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

bool stopword_is_ci(const char *word, size_t len)
{
    char low[16];
    if (len == 0 || len > 12)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = word[i];
        low[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    return stopword_is(low, len);
}
