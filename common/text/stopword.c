/*  stopword.c - a sorted list of English function words, auxiliaries,
 *  fillers and very general verbs and nouns; and the
 *  commonest function words of German, French, Spanish, Italian, Portuguese,
 *  Dutch and Russian, by which a text's language is also told (issue #14).
 *  SPDX-License-Identifier: MIT
 */
#include "stopword.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* Kept sorted for the reader; lookups go through the table below. */
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

/* The commonest function words of each language, sorted in byte order. The
 * English one is only for telling languages apart: its full list is above. */
static const char *const s_de[] = {
    "aber",   "alle",   "allen",   "aller",   "alles",   "als",       "also",    "am",
    "an",     "auch",   "auf",     "aus",     "bei",     "beim",      "bereits", "bis",
    "bzw",    "da",     "dabei",   "dadurch", "dafür",   "damit",     "dann",    "daran",
    "darauf", "das",    "dass",    "dazu",    "dein",    "dem",       "den",     "der",
    "deren",  "des",    "dessen",  "die",     "diese",   "diesem",    "diesen",  "dieser",
    "dieses", "doch",   "dort",    "du",      "durch",   "ebenfalls", "ein",     "eine",
    "einem",  "einen",  "einer",   "eines",   "einige",  "einigen",   "er",      "es",
    "etwa",   "euch",   "für",     "gegen",   "gibt",    "haben",     "hat",     "hier",
    "ich",    "ihm",    "ihn",     "ihnen",   "ihr",     "ihre",      "ihrem",   "ihren",
    "ihrer",  "ihres",  "im",      "immer",   "in",      "ist",       "ja",      "jedoch",
    "jetzt",  "kann",   "kein",    "keine",   "können",  "könnte",    "man",     "mehr",
    "mein",   "mich",   "mir",     "mit",     "muss",    "müssen",    "nach",    "nein",
    "nicht",  "noch",   "nur",     "ob",      "oder",    "ohne",      "schon",   "sehr",
    "sein",   "seine",  "seinem",  "seinen",  "seiner",  "seit",      "sich",    "sie",
    "sind",   "so",     "soll",    "sollen",  "sollte",  "sowie",     "sowohl",  "um",
    "und",    "uns",    "unser",   "unter",   "viele",   "vielen",    "vom",     "von",
    "vor",    "war",    "was",     "weil",    "weitere", "weiteren",  "welche",  "welcher",
    "wenn",   "wer",    "werden",  "wie",     "wir",     "wird",      "wo",      "worden",
    "wurde",  "wurden", "während", "zu",      "zudem",   "zum",       "zur",     "zwischen",
    "über",
};
static const char *const s_fr[] = {
    "a",        "ainsi",   "alors",    "après",   "au",        "aussi",   "autre", "autres",
    "aux",      "avait",   "avant",    "avec",    "avoir",     "bien",    "c'est", "c'était",
    "car",      "ce",      "ceci",     "cela",    "celle",     "celui",   "ces",   "cet",
    "cette",    "ceux",    "chaque",   "chez",    "comme",     "contre",  "d'un",  "d'une",
    "dans",     "de",      "depuis",   "des",     "donc",      "dont",    "du",    "déjà",
    "elle",     "elles",   "en",       "encore",  "entre",     "est",     "et",    "fait",
    "il",       "ils",     "j'ai",     "jamais",  "je",        "jusqu'à", "l'",    "l'on",
    "la",       "le",      "les",      "leur",    "leurs",     "lors",    "lui",   "là",
    "mais",     "me",      "mes",      "moi",     "mon",       "même",    "n'a",   "n'est",
    "n'ont",    "n'y",     "n'était",  "ne",      "non",       "nos",     "notre", "nous",
    "on",       "ont",     "ou",       "où",      "par",       "pas",     "peu",   "peut",
    "plus",     "pour",    "puis",     "qu'elle", "qu'il",     "qu'ils",  "qu'on", "quand",
    "que",      "quelque", "quelques", "qui",     "rien",      "s'est",   "s'il",  "sa",
    "sans",     "se",      "selon",    "ses",     "seulement", "si",      "soit",  "son",
    "sont",     "sous",    "sur",      "ta",      "te",        "tes",     "toi",   "ton",
    "toujours", "tous",    "tout",     "toute",   "toutes",    "trop",    "très",  "tu",
    "un",       "une",     "vers",     "vos",     "votre",     "vous",    "y",     "à",
    "ça",       "était",   "été",      "être",
};
static const char *const s_es[] = {
    "a",     "al",    "algo",     "algunas", "algunos",  "ante",    "aquí",    "así",     "aunque",
    "bien",  "cada",  "casi",     "como",    "con",      "contra",  "cual",    "cuando",  "de",
    "del",   "desde", "después",  "donde",   "durante",  "e",       "el",      "ella",    "ellas",
    "ellos", "en",    "entonces", "entre",   "era",      "es",      "esa",     "esas",    "ese",
    "eso",   "esos",  "esta",     "estaba",  "estar",    "estas",   "este",    "estos",   "está",
    "están", "fue",   "fueron",   "ha",      "haber",    "había",   "hace",    "hacia",   "han",
    "hasta", "hay",   "he",       "la",      "las",      "le",      "les",     "lo",      "los",
    "me",    "mi",    "mientras", "misma",   "mismo",    "mucho",   "muchos",  "muy",     "más",
    "nada",  "ni",    "no",       "nos",     "nosotros", "nuestra", "nuestro", "o",       "otra",
    "otras", "otro",  "otros",    "para",    "pero",     "por",     "porque",  "puede",   "pues",
    "que",   "quien", "qué",      "se",      "según",    "ser",     "sido",    "siempre", "sin",
    "sino",  "sobre", "solo",     "son",     "su",       "sus",     "sólo",    "también", "tan",
    "tanto", "te",    "tiene",    "tienen",  "toda",     "todas",   "todo",    "todos",   "tras",
    "tú",    "un",    "una",      "unas",    "unos",     "y",       "ya",      "yo",      "él",
};
static const char *const s_it[] = {
    "a",      "ad",     "agli",   "ai",     "al",       "alla",   "alle",   "allo",   "altri",
    "altro",  "anche",  "avere",  "aveva",  "c'è",      "che",    "ci",     "col",    "come",
    "con",    "contro", "così",   "cui",    "da",       "dagli",  "dal",    "dalla",  "dalle",
    "degli",  "dei",    "del",    "della",  "delle",    "dello",  "di",     "dopo",   "dove",
    "e",      "ed",     "era",    "essa",   "essere",   "esso",   "fa",     "fra",    "fu",
    "già",    "gli",    "ha",     "hai",    "hanno",    "ho",     "i",      "il",     "in",
    "io",     "la",     "le",     "lei",    "lo",       "loro",   "lui",    "ma",     "mentre",
    "mi",     "molto",  "negli",  "nei",    "nel",      "nella",  "nelle",  "nello",  "noi",
    "non",    "nostro", "o",      "ogni",   "ora",      "ovvero", "per",    "perché", "però",
    "più",    "poi",    "può",    "quale",  "quali",    "quando", "quasi",  "quella", "quelle",
    "quelli", "quello", "questa", "questi", "questo",   "sarà",   "se",     "senza",  "si",
    "sia",    "siamo",  "solo",   "sono",   "sotto",    "stato",  "stesso", "su",     "sua",
    "sue",    "sul",    "sulla",  "suo",    "suoi",     "ti",     "tra",    "tu",     "tutta",
    "tutte",  "tutti",  "tutto",  "un",     "un'altra", "una",    "uno",    "vi",     "voi",
    "è",
};
static const char *const s_pt[] = {
    "a",     "ao",    "aos",    "as",     "até",   "cada",   "com",    "como",  "contra", "da",
    "das",   "de",    "dela",   "dele",   "deles", "depois", "desde",  "dessa", "desse",  "desta",
    "deste", "disso", "do",     "dos",    "e",     "ela",    "elas",   "ele",   "eles",   "em",
    "entre", "então", "era",    "eram",   "essa",  "esse",   "esta",   "estar", "este",   "está",
    "estão", "eu",    "foi",    "fosse",  "há",    "isso",   "isto",   "já",    "lhe",    "lhes",
    "mais",  "mas",   "mesmo",  "meu",    "minha", "muito",  "na",     "nas",   "nem",    "nessa",
    "nesse", "nesta", "neste",  "no",     "nos",   "num",    "numa",   "não",   "nós",    "o",
    "onde",  "os",    "ou",     "outra",  "outro", "outros", "para",   "pela",  "pelo",   "pode",
    "pois",  "por",   "porque", "pouco",  "quais", "qual",   "quando", "que",   "quem",   "se",
    "seja",  "sem",   "sempre", "ser",    "seu",   "seus",   "sido",   "sob",   "sobre",  "sua",
    "suas",  "são",   "só",     "também", "tem",   "tinha",  "toda",   "todas", "todo",   "todos",
    "tão",   "têm",   "um",     "uma",    "umas",  "uns",    "vai",    "você",  "à",      "às",
    "é",
};
static const char *const s_nl[] = {
    "aan",    "al",     "alle",   "alleen", "als",    "altijd", "andere", "beide",  "bij",
    "daar",   "daarom", "dan",    "dat",    "de",     "deze",   "die",    "dit",    "door",
    "dus",    "een",    "elk",    "elke",   "en",     "enkele", "er",     "geen",   "haar",
    "had",    "hebben", "heeft",  "hem",    "het",    "hier",   "hij",    "hoe",    "hoewel",
    "hun",    "iets",   "ik",     "in",     "is",     "je",     "jij",    "kan",    "kon",
    "kunnen", "maar",   "meer",   "men",    "met",    "mijn",   "moet",   "moeten", "na",
    "naar",   "niet",   "nog",    "nu",     "of",     "om",     "omdat",  "onder",  "ons",
    "onze",   "ook",    "op",     "over",   "sinds",  "te",     "tegen",  "toch",   "toen",
    "tot",    "tussen", "u",      "uit",    "van",    "veel",   "voor",   "waar",   "wanneer",
    "want",   "waren",  "was",    "wat",    "we",     "wel",    "welke",  "werd",   "werden",
    "wie",    "wij",    "worden", "wordt",  "zal",    "ze",     "zelf",   "zich",   "zij",
    "zijn",   "zo",     "zonder", "zou",    "zouden",
};
static const char *const s_ru[] = {
    "а",      "без",  "более",  "больше", "будет", "бы",    "был",  "была",   "были",   "было",
    "быть",   "в",    "вам",    "вас",    "ведь",  "во",    "вот",  "все",    "всегда", "всего",
    "всех",   "вы",   "где",    "да",     "даже",  "для",   "до",   "его",    "ее",     "ей",
    "ему",    "если", "есть",   "еще",    "ещё",   "её",    "ж",    "же",     "за",     "зачем",
    "здесь",  "и",    "из",     "или",    "им",    "их",    "к",    "как",    "какая",  "какой",
    "когда",  "кто",  "куда",   "ли",     "лучше", "между", "меня", "мне",    "много",  "может",
    "можно",  "мой",  "моя",    "мы",     "на",    "над",   "надо", "нас",    "не",     "него",
    "нее",    "ней",  "нет",    "ни",     "ним",   "них",   "но",   "ну",     "о",      "об",
    "он",     "она",  "они",    "опять",  "от",    "перед", "по",   "под",    "после",  "потом",
    "при",    "про",  "разве",  "с",      "сам",   "свою",  "себе", "себя",   "сейчас", "со",
    "совсем", "так",  "также",  "такой",  "там",   "тебя",  "тем",  "теперь", "то",     "тогда",
    "того",   "тоже", "только", "том",    "тот",   "тут",   "ты",   "у",      "уж",     "уже",
    "хоть",   "чем",  "через",  "что",    "чтобы", "чуть",  "эти",  "это",    "этого",  "этой",
    "этом",   "этот", "эту",    "я",
};
static const char *const s_en[] = {
    "a",   "about", "all",  "an",   "and",   "are",   "as",    "at",    "be",   "been",
    "but", "by",    "can",  "do",   "for",   "from",  "has",   "have",  "he",   "his",
    "i",   "if",    "in",   "is",   "it",    "more",  "my",    "not",   "of",   "on",
    "one", "or",    "so",   "that", "the",   "their", "there", "they",  "this", "to",
    "was", "we",    "were", "what", "which", "will",  "with",  "would", "you",  "your",
};

typedef struct {
    const char *tag;
    const char *const *words;
    size_t n;
} s_lang_t;

#define S_LANG(tag, a)                                                                             \
    {                                                                                              \
        tag, a, sizeof a / sizeof a[0]                                                             \
    }
static const s_lang_t s_langs[STOPWORD_N_LANGS] = {
    [STOPWORD_EN] = S_LANG("en", s_en), [STOPWORD_DE] = S_LANG("de", s_de),
    [STOPWORD_FR] = S_LANG("fr", s_fr), [STOPWORD_ES] = S_LANG("es", s_es),
    [STOPWORD_IT] = S_LANG("it", s_it), [STOPWORD_PT] = S_LANG("pt", s_pt),
    [STOPWORD_NL] = S_LANG("nl", s_nl), [STOPWORD_RU] = S_LANG("ru", s_ru),
};

/* Every list in one open-addressing table, built once: a word maps to a
 * bit set of the lists that hold it (bit 0 s_words, bit 1 + L s_langs[L]).
 * One probe a word instead of a bisection a list: the text model asks for
 * every token, and language detection asks every list for each word. */
#define S_TABLE_SIZE 4096 /* a power of two, over twice the words of all lists */

typedef struct {
    const char *word; /* NULL: empty slot */
    uint8_t len;
    uint16_t lists;
} s_slot_t;

static s_slot_t s_table[S_TABLE_SIZE];
static pthread_once_t s_table_once = PTHREAD_ONCE_INIT;

static uint32_t s_hash(const char *word, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)word[i]) * 16777619u;
    return h;
}

static s_slot_t *s_slot(const char *word, size_t len)
{
    for (uint32_t i = s_hash(word, len) & (S_TABLE_SIZE - 1);; i = (i + 1) & (S_TABLE_SIZE - 1)) {
        s_slot_t *e = &s_table[i];
        if (!e->word || (e->len == len && memcmp(e->word, word, len) == 0))
            return e;
    }
}

static void s_add_list(const char *const *list, size_t n, unsigned bit)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(list[i]);
        if (len == 0 || len > 12)
            continue; /* never looked up */
        s_slot_t *e = s_slot(list[i], len);
        e->word = list[i];
        e->len = (uint8_t)len;
        e->lists |= (uint16_t)(1u << bit);
    }
}

static void s_table_build(void)
{
    s_add_list(s_words, S_N_WORDS, 0);
    for (int l = 0; l < STOPWORD_N_LANGS; l++)
        s_add_list(s_langs[l].words, s_langs[l].n, 1u + (unsigned)l);
}

/* The lists that hold word (0 for none). */
static unsigned s_lists(const char *word, size_t len)
{
    if (len == 0 || len > 12)
        return 0;
    pthread_once(&s_table_once, s_table_build);
    const s_slot_t *e = s_slot(word, len);
    return e->word ? e->lists : 0;
}

bool stopword_is(const char *word, size_t len)
{
    return s_lists(word, len) & 1u;
}

bool stopword_is_lang(stopword_lang_t lang, const char *word, size_t len)
{
    if (lang <= STOPWORD_EN || lang >= STOPWORD_N_LANGS)
        return stopword_is(word, len);
    return s_lists(word, len) & (1u << (1 + lang));
}

const char *stopword_lang_tag(stopword_lang_t lang)
{
    return lang < STOPWORD_N_LANGS ? s_langs[lang].tag : "en";
}

/* One word of text at *i, lower-cased (ASCII) into w; its length, 0 at the end. */
static size_t s_next_word(const char *text, size_t len, size_t *i, char *w, size_t cap)
{
    while (*i < len && !((unsigned char)text[*i] >= 0x80 || (text[*i] | 0x20) >= 'a') &&
           !(text[*i] >= '0' && text[*i] <= '9'))
        (*i)++;
    size_t n = 0;
    while (*i < len && ((unsigned char)text[*i] >= 0x80 || (text[*i] >= 'a' && text[*i] <= 'z') ||
                        (text[*i] >= 'A' && text[*i] <= 'Z') || text[*i] == '\'')) {
        char c = text[*i];
        if (n < cap)
            w[n++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        (*i)++;
    }
    if (n == 0 && *i < len)
        (*i)++; /* a digit or other mark: step over it */
    return n <= cap ? n : 0;
}

stopword_lang_t stopword_detect(const char *text, size_t len)
{
    size_t hits[STOPWORD_N_LANGS] = {0}, words = 0, i = 0;
    char w[16];
    while (i < len && words < 600) {
        size_t n = s_next_word(text, len, &i, w, sizeof w);
        if (n == 0)
            continue;
        words++;
        unsigned lists = s_lists(w, n);
        for (int l = 0; l < STOPWORD_N_LANGS; l++)
            hits[l] += (lists >> (1 + l)) & 1u;
        if (words == 200 && hits[STOPWORD_EN] * 4 >= words)
            return STOPWORD_EN; /* plainly English: the common case, decided early */
    }
    stopword_lang_t best = STOPWORD_EN;
    for (int l = 1; l < STOPWORD_N_LANGS; l++)
        if (hits[l] > hits[best])
            best = (stopword_lang_t)l;
    /* a clear majority over English, else English (and its full list) */
    return hits[best] * 10 >= words && hits[best] > hits[STOPWORD_EN] * 3 / 2 ? best : STOPWORD_EN;
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
