/*  extract_cues.c - the commentary's cue words per language (see
 *  extract_cues.h). English grew from the seed talks; German, French,
 *  Spanish, Italian, Portuguese, Dutch and Russian carry the same roles in
 *  their own words: definition phrases and copulas ("das heißt", "c'est à
 *  dire" (a hyphen splits words), "es decir", "è un"), contrast markers and
 *  "nicht X sondern Y" / "pas X mais Y" / "no X sino Y" / "не X, а Y",
 *  prediction markers, first-person claims, examples, causes, evidence and
 *  objections. A copula alone ("ist ein") weighs 1.0, just enough to count:
 *  the role-repeat rule lets stronger cues through. "wie ein", "comme un",
 *  "como un", "come un", "als een" are as often "as a" or "such as a" as
 *  "like a", so alone they make no metaphor (0.8).
 *  SPDX-License-Identifier: MIT
 */
#include "extract_cues.h"

#include "stopword.h"

#define S_N(a) (sizeof(a) / sizeof((a)[0]))
#define S_W(a)                                                                                     \
    {                                                                                              \
        a, S_N(a)                                                                                  \
    }
#define DEF    EXTRACT_R_DEFINE
#define CON    EXTRACT_R_CONTRAST
#define PRE    EXTRACT_R_PREDICT
#define EXA    EXTRACT_R_EXAMPLE
#define MET    EXTRACT_R_METAPHOR
#define ANA    EXTRACT_R_ANALOGY
#define CAU    EXTRACT_R_CAUSE
#define EVI    EXTRACT_R_EVIDENCE
#define OBJ    EXTRACT_R_OBJECTION
#define REP    EXTRACT_R_REPLY
#define CLA    EXTRACT_R_CLAIM
#define AFTER  EXTRACT_C_AFTER
#define CLAUSE EXTRACT_C_CLAUSE
#define AT     EXTRACT_C_AT
#define FROM   EXTRACT_C_FROM

/* ------------------------------------------------------------- English */

static const extract_cue_t s_en[] = {
    {DEF, {"definition", "of"}, 3.0, AFTER},
    {DEF, {"is", "to", "say"}, 2.0, AFTER},
    {DEF, {"defined", "as"}, 3.0, CLAUSE},
    {DEF, {"refer", "to"}, 1.5, CLAUSE},
    {DEF, {"known", "as"}, 2.0, CLAUSE},
    {DEF, {"i", "mean"}, 1.2, AFTER},
    {DEF, {"which", "mean"}, 1.2, AFTER},
    {CON, {"by", "contrast"}, 2.0, CLAUSE},
    {CON, {"whereas"}, 2.0, CLAUSE},
    {CON, {"rather", "than"}, 2.0, CLAUSE},
    {CON, {"instead", "of"}, 1.5, CLAUSE},
    {CON, {"unlike"}, 1.5, CLAUSE},
    {CON, {"however"}, 1.2, AFTER},
    {CON, {"not", "like"}, 2.0, FROM},
    {CON, {"it", "more", "like"}, 2.0, CLAUSE}, /* "it's": 's is keyed off */
    {CON, {"but"}, 0.6, AFTER},
    {PRE, {"to", "bet", "that"}, 3.0, AFTER},
    {PRE, {"i", "bet"}, 3.0, AFTER},
    {PRE, {"i'd", "bet"}, 3.0, AFTER},
    {PRE, {"predict", "that"}, 3.0, AFTER},
    {PRE, {"i", "expect"}, 2.0, AFTER},
    {PRE, {"will", "be"}, 0.8, CLAUSE},
    {PRE, {"going", "to", "be"}, 1.0, CLAUSE},
    {PRE, {"in", "the", "future"}, 1.0, CLAUSE},
    {EXA, {"for", "example"}, 2.5, AFTER},
    {EXA, {"for", "instance"}, 2.5, AFTER},
    {EXA, {"such", "as"}, 1.2, AFTER},
    {EXA, {"e.g"}, 2.0, AFTER},
    {MET, {"like", "a"}, 1.5, AT},
    {MET, {"like", "an"}, 1.5, AT},
    {MET, {"as", "if"}, 1.5, AFTER},
    {ANA, {"think", "of"}, 1.5, AFTER},
    {ANA, {"imagine"}, 1.5, AFTER},
    {MET, {"metaphor"}, 2.5, CLAUSE},
    {ANA, {"analogy"}, 2.0, CLAUSE},
    {ANA, {"analogous"}, 2.0, CLAUSE},
    {CAU, {"the", "reason"}, 1.5, CLAUSE},
    {CAU, {"because"}, 1.2, AFTER},
    {CAU, {"which", "is", "why"}, 2.0, AFTER},
    {CAU, {"due", "to"}, 1.2, AFTER},
    {CAU, {"therefore"}, 1.2, AFTER},
    {EVI, {"suggest", "that"}, 2.0, AFTER},
    {EVI, {"suggest", "to", "me"}, 2.0, AFTER},
    {EVI, {"show", "that"}, 2.0, AFTER},
    {EVI, {"found", "that"}, 2.0, AFTER},
    {EVI, {"according", "to"}, 1.5, AFTER},
    {EVI, {"evidence"}, 1.5, CLAUSE},
    {OBJ, {"people", "will", "say"}, 3.0, AFTER},
    {OBJ, {"objection"}, 2.0, CLAUSE},
    {OBJ, {"critic"}, 2.0, CLAUSE},
    {OBJ, {"you", "might", "say"}, 2.5, AFTER},
    {REP, {"my", "response"}, 3.0, CLAUSE},
    {REP, {"the", "right", "way"}, 1.5, CLAUSE},
    {CLA, {"i", "think"}, 1.0, AFTER},
    {CLA, {"i", "believe"}, 1.2, AFTER},
    {CLA, {"i", "would", "argue"}, 1.5, AFTER},
    {CLA, {"the", "point", "is"}, 1.5, AFTER},
    {CLA, {"the", "correct", "way"}, 1.5, CLAUSE},
};
static const char *const s_en_numbers[] = {
    "ten",     "tens",        "hundred", "thousand", "million", "billion", "trillion",
    "percent", "millionfold", "twice",   "half",     "dozen",   "two",     "three",
    "four",    "five",        "six",     "seven",    "eight",   "nine",    "twenty"};
static const char *const s_en_compare[] = {"than",   "contrast", "v",      "vs",
                                           "versus", "compared", "whereas"};
static const char *const s_en_lead[] = {"that", "and", "so", "but", "then", "is", "basically"};
static const char *const s_en_tail[] = {
    "the", "a",   "an",    "of",  "to", "and", "or", "that", "in",   "for",  "with",
    "is",  "are", "which", "who", "as", "by",  "on", "at",   "from", "this", "these"};
static const char *const s_en_sub[] = {"which", "who",     "where", "when",  "that", "as",
                                       "if",    "because", "for",   "while", "whom", "whose"};
static const char *const s_en_neg[] = {"not"};
static const char *const s_en_but[] = {"but", "rather", "instead"};
static const char *const s_en_only[] = {"only", "just", "merely"};

/* -------------------------------------------------------------- German */

static const extract_cue_t s_de[] = {
    {DEF, {"das", "heißt"}, 2.0, AFTER},
    {DEF, {"d", "h"}, 2.0, AFTER},
    {DEF, {"definiert", "als"}, 3.0, CLAUSE},
    {DEF, {"definition", "von"}, 3.0, AFTER},
    {DEF, {"versteht", "man"}, 2.0, AFTER},
    {DEF, {"bezeichnet", "man"}, 2.0, AFTER},
    {DEF, {"man", "spricht", "von"}, 2.0, AFTER},
    {DEF, {"handelt", "es", "sich"}, 1.5, AFTER},
    {DEF, {"sogenannte"}, 1.5, AFTER},
    {DEF, {"sogenannten"}, 1.5, AFTER},
    {DEF, {"bedeutet"}, 1.2, AFTER},
    {DEF, {"ist", "ein"}, 1.0, CLAUSE},
    {DEF, {"ist", "eine"}, 1.0, CLAUSE},
    {CON, {"im", "gegensatz"}, 2.0, CLAUSE},
    {CON, {"anders", "als"}, 2.0, CLAUSE},
    {CON, {"statt"}, 1.5, CLAUSE},
    {CON, {"anstatt"}, 1.5, CLAUSE},
    {CON, {"hingegen"}, 1.5, AFTER},
    {CON, {"dagegen"}, 1.5, AFTER},
    {CON, {"während"}, 1.0, CLAUSE},
    {CON, {"jedoch"}, 1.2, AFTER},
    {CON, {"allerdings"}, 1.2, AFTER},
    {CON, {"aber"}, 0.6, AFTER},
    {PRE, {"ich", "wette"}, 3.0, AFTER},
    {PRE, {"ich", "erwarte"}, 2.0, AFTER},
    {PRE, {"voraussichtlich"}, 1.5, CLAUSE},
    {PRE, {"prognose"}, 1.5, CLAUSE},
    {PRE, {"in", "zukunft"}, 1.0, CLAUSE},
    {PRE, {"künftig"}, 1.0, CLAUSE},
    {PRE, {"zukünftig"}, 1.0, CLAUSE},
    {PRE, {"wird", "sein"}, 0.8, CLAUSE},
    {PRE, {"werden", "wird"}, 0.8, CLAUSE},
    {PRE, {"bis", "zum", "jahr"}, 1.0, CLAUSE},
    {EXA, {"zum", "beispiel"}, 2.5, AFTER},
    {EXA, {"z", "b"}, 2.5, AFTER},
    {EXA, {"beispielsweise"}, 2.5, AFTER},
    {EXA, {"wie", "etwa"}, 1.5, AFTER},
    {MET, {"wie", "ein"}, 0.8, AT},
    {MET, {"wie", "eine"}, 0.8, AT},
    {MET, {"als", "ob"}, 1.5, AFTER},
    {MET, {"metapher"}, 2.5, CLAUSE},
    {ANA, {"stellen", "sie", "sich"}, 1.5, AFTER},
    {ANA, {"vergleichbar", "mit"}, 2.0, AFTER},
    {ANA, {"analogie"}, 2.0, CLAUSE},
    {CAU, {"der", "grund"}, 1.5, CLAUSE},
    {CAU, {"weil"}, 1.2, AFTER},
    {CAU, {"deshalb"}, 1.2, AFTER},
    {CAU, {"deswegen"}, 1.2, AFTER},
    {CAU, {"daher"}, 1.2, AFTER},
    {CAU, {"aufgrund"}, 1.2, AFTER},
    {CAU, {"dadurch"}, 1.0, AFTER},
    {EVI, {"zeigt", "dass"}, 2.0, AFTER},
    {EVI, {"zeigen", "dass"}, 2.0, AFTER},
    {EVI, {"laut"}, 1.5, AFTER},
    {EVI, {"nach", "angaben"}, 1.5, AFTER},
    {EVI, {"studie"}, 1.5, CLAUSE},
    {OBJ, {"kritiker"}, 2.0, CLAUSE},
    {OBJ, {"kritik"}, 1.5, CLAUSE},
    {OBJ, {"einwand"}, 2.0, CLAUSE},
    {CLA, {"ich", "glaube"}, 1.2, AFTER},
    {CLA, {"ich", "denke"}, 1.0, AFTER},
    {CLA, {"meiner", "meinung", "nach"}, 1.5, AFTER},
    {CLA, {"ich", "bin", "überzeugt"}, 1.5, AFTER},
    {CLA, {"entscheidend"}, 1.0, CLAUSE},
};
static const char *const s_de_numbers[] = {
    "zehn",    "hundert", "tausend", "million", "millionen", "milliarde", "milliarden",
    "prozent", "doppelt", "hälfte",  "dutzend", "zwei",      "drei",      "vier",
    "fünf",    "sechs",   "sieben",  "acht",    "neun",      "zwanzig",   "billion"};
static const char *const s_de_compare[] = {"als",   "gegenüber", "verglichen", "vergleich",
                                           "statt", "während",   "vs",         "versus"};
static const char *const s_de_lead[] = {"dass", "und", "also", "aber", "dann", "ist", "denn", "so"};
static const char *const s_de_tail[] = {
    "der",   "die", "das",  "den", "dem",  "des", "ein", "eine", "einen", "einem",
    "einer", "und", "oder", "zu",  "von",  "mit", "in",  "im",   "für",   "auf",
    "an",    "als", "dass", "ist", "sind", "wie", "bei", "aus",  "durch", "sich"};
static const char *const s_de_sub[] = {"welche", "welcher", "welches", "wenn", "weil", "dass",
                                       "ob",     "als",     "während", "da",   "wo",   "obwohl"};
static const char *const s_de_neg[] = {"nicht", "kein", "keine", "keinen", "keiner"};
static const char *const s_de_but[] = {"sondern"};
static const char *const s_de_only[] = {"nur", "bloß", "allein"};

/* -------------------------------------------------------------- French */

static const extract_cue_t s_fr[] = {
    {DEF, {"c'est", "à", "dire"}, 2.0, AFTER},
    {DEF, {"autrement", "dit"}, 2.0, AFTER},
    {DEF, {"défini", "comme"}, 3.0, CLAUSE},
    {DEF, {"définie", "comme"}, 3.0, CLAUSE},
    {DEF, {"définition", "de"}, 3.0, AFTER},
    {DEF, {"on", "appelle"}, 2.0, AFTER},
    {DEF, {"qu'on", "appelle"}, 2.0, AFTER},
    {DEF, {"désigne"}, 1.5, CLAUSE},
    {DEF, {"signifie"}, 1.2, AFTER},
    {DEF, {"c'est", "un"}, 1.0, CLAUSE},
    {DEF, {"c'est", "une"}, 1.0, CLAUSE},
    {DEF, {"est", "un"}, 1.0, CLAUSE},
    {DEF, {"est", "une"}, 1.0, CLAUSE},
    {CON, {"en", "revanche"}, 2.0, AFTER},
    {CON, {"au", "contraire"}, 2.0, AFTER},
    {CON, {"tandis", "que"}, 2.0, CLAUSE},
    {CON, {"plutôt", "que"}, 2.0, CLAUSE},
    {CON, {"alors", "que"}, 1.5, CLAUSE},
    {CON, {"au", "lieu", "de"}, 1.5, CLAUSE},
    {CON, {"contrairement"}, 1.5, CLAUSE},
    {CON, {"cependant"}, 1.2, AFTER},
    {CON, {"pourtant"}, 1.2, AFTER},
    {CON, {"toutefois"}, 1.2, AFTER},
    {CON, {"néanmoins"}, 1.2, AFTER},
    {CON, {"mais"}, 0.6, AFTER},
    {PRE, {"je", "parie"}, 3.0, AFTER},
    {PRE, {"je", "prédis"}, 3.0, AFTER},
    {PRE, {"je", "m'attends"}, 2.0, AFTER},
    {PRE, {"à", "l'avenir"}, 1.0, CLAUSE},
    {PRE, {"dans", "les", "prochaines"}, 1.0, CLAUSE},
    {PRE, {"d'ici"}, 1.0, CLAUSE},
    {PRE, {"bientôt"}, 0.8, CLAUSE},
    {PRE, {"sera"}, 0.8, CLAUSE},
    {PRE, {"seront"}, 0.8, CLAUSE},
    {EXA, {"par", "exemple"}, 2.5, AFTER},
    {EXA, {"notamment"}, 1.2, AFTER},
    {EXA, {"tel", "que"}, 1.2, AFTER},
    {EXA, {"tels", "que"}, 1.2, AFTER},
    {MET, {"comme", "un"}, 0.8, AT},
    {MET, {"comme", "une"}, 0.8, AT},
    {MET, {"comme", "si"}, 1.5, AFTER},
    {MET, {"métaphore"}, 2.5, CLAUSE},
    {ANA, {"imaginez"}, 1.5, AFTER},
    {ANA, {"comparable", "à"}, 2.0, AFTER},
    {ANA, {"analogie"}, 2.0, CLAUSE},
    {CAU, {"la", "raison"}, 1.5, CLAUSE},
    {CAU, {"c'est", "pourquoi"}, 2.0, AFTER},
    {CAU, {"parce", "que"}, 1.2, AFTER},
    {CAU, {"puisque"}, 1.2, AFTER},
    {CAU, {"à", "cause", "de"}, 1.2, AFTER},
    {CAU, {"en", "raison", "de"}, 1.2, AFTER},
    {CAU, {"car"}, 1.0, AFTER},
    {CAU, {"donc"}, 1.0, AFTER},
    {EVI, {"montre", "que"}, 2.0, AFTER},
    {EVI, {"montrent", "que"}, 2.0, AFTER},
    {EVI, {"selon"}, 1.5, AFTER},
    {EVI, {"d'après"}, 1.5, AFTER},
    {EVI, {"étude"}, 1.5, CLAUSE},
    {OBJ, {"critique"}, 1.5, CLAUSE},
    {CLA, {"je", "pense"}, 1.0, AFTER},
    {CLA, {"je", "crois"}, 1.2, AFTER},
    {CLA, {"à", "mon", "avis"}, 1.5, AFTER},
    {CLA, {"selon", "moi"}, 1.5, AFTER},
    {CLA, {"il", "faut"}, 1.0, AFTER},
};
static const char *const s_fr_numbers[] = {
    "dix",       "cent",   "cents", "mille", "million", "millions", "milliard",
    "milliards", "moitié", "deux",  "trois", "quatre",  "cinq",     "six",
    "sept",      "huit",   "neuf",  "vingt", "double",  "douzaine", "pourcent"};
static const char *const s_fr_compare[] = {"contre", "comparé", "versus", "vs", "tandis", "face"};
static const char *const s_fr_lead[] = {"que", "et", "donc", "mais", "puis", "est", "alors"};
static const char *const s_fr_tail[] = {"le",   "la", "les",   "l'",   "un",  "une", "des",  "de",
                                        "du",   "d'", "à",     "au",   "aux", "et",  "ou",   "que",
                                        "qui",  "en", "dans",  "pour", "par", "sur", "avec", "est",
                                        "sont", "ce", "cette", "ne",   "se"};
static const char *const s_fr_sub[] = {"qui",   "que",     "où",   "quand", "si",
                                       "parce", "lorsque", "dont", "comme", "puisque"};
static const char *const s_fr_neg[] = {"pas", "non", "point", "jamais"};
static const char *const s_fr_but[] = {"mais", "plutôt"};
static const char *const s_fr_only[] = {"seulement", "uniquement", "que"};

/* ------------------------------------------------------------- Spanish */

static const extract_cue_t s_es[] = {
    {DEF, {"es", "decir"}, 2.0, AFTER},
    {DEF, {"definido", "como"}, 3.0, CLAUSE},
    {DEF, {"definida", "como"}, 3.0, CLAUSE},
    {DEF, {"definición", "de"}, 3.0, AFTER},
    {DEF, {"se", "llama"}, 2.0, AFTER},
    {DEF, {"se", "denomina"}, 2.0, AFTER},
    {DEF, {"conocido", "como"}, 2.0, CLAUSE},
    {DEF, {"conocida", "como"}, 2.0, CLAUSE},
    {DEF, {"se", "refiere", "a"}, 1.5, CLAUSE},
    {DEF, {"significa"}, 1.2, AFTER},
    {DEF, {"es", "un"}, 1.0, CLAUSE},
    {DEF, {"es", "una"}, 1.0, CLAUSE},
    {CON, {"en", "cambio"}, 2.0, AFTER},
    {CON, {"por", "el", "contrario"}, 2.0, AFTER},
    {CON, {"a", "diferencia", "de"}, 2.0, CLAUSE},
    {CON, {"mientras", "que"}, 1.5, CLAUSE},
    {CON, {"en", "lugar", "de"}, 1.5, CLAUSE},
    {CON, {"en", "vez", "de"}, 1.5, CLAUSE},
    {CON, {"sin", "embargo"}, 1.2, AFTER},
    {CON, {"no", "obstante"}, 1.2, AFTER},
    {CON, {"pero"}, 0.6, AFTER},
    {PRE, {"apuesto"}, 3.0, AFTER},
    {PRE, {"predigo"}, 3.0, AFTER},
    {PRE, {"se", "espera", "que"}, 2.0, AFTER},
    {PRE, {"espero", "que"}, 1.5, AFTER},
    {PRE, {"se", "prevé"}, 1.5, CLAUSE},
    {PRE, {"en", "el", "futuro"}, 1.0, CLAUSE},
    {PRE, {"en", "los", "próximos"}, 1.0, CLAUSE},
    {PRE, {"va", "a", "ser"}, 1.0, CLAUSE},
    {PRE, {"será"}, 0.8, CLAUSE},
    {PRE, {"serán"}, 0.8, CLAUSE},
    {EXA, {"por", "ejemplo"}, 2.5, AFTER},
    {EXA, {"tales", "como"}, 1.2, AFTER},
    {EXA, {"en", "particular"}, 1.0, AFTER},
    {MET, {"como", "un"}, 0.8, AT},
    {MET, {"como", "una"}, 0.8, AT},
    {MET, {"como", "si"}, 1.5, AFTER},
    {MET, {"metáfora"}, 2.5, CLAUSE},
    {ANA, {"imagina"}, 1.5, AFTER},
    {ANA, {"imagine"}, 1.5, AFTER},
    {ANA, {"comparable", "a"}, 2.0, AFTER},
    {ANA, {"analogía"}, 2.0, CLAUSE},
    {CAU, {"la", "razón"}, 1.5, CLAUSE},
    {CAU, {"por", "eso"}, 1.5, AFTER},
    {CAU, {"porque"}, 1.2, AFTER},
    {CAU, {"por", "lo", "tanto"}, 1.2, AFTER},
    {CAU, {"debido", "a"}, 1.2, AFTER},
    {CAU, {"ya", "que"}, 1.2, AFTER},
    {CAU, {"puesto", "que"}, 1.2, AFTER},
    {EVI, {"muestra", "que"}, 2.0, AFTER},
    {EVI, {"muestran", "que"}, 2.0, AFTER},
    {EVI, {"demuestra", "que"}, 2.0, AFTER},
    {EVI, {"según"}, 1.5, AFTER},
    {EVI, {"de", "acuerdo", "con"}, 1.5, AFTER},
    {EVI, {"estudio"}, 1.5, CLAUSE},
    {OBJ, {"críticos"}, 2.0, CLAUSE},
    {OBJ, {"crítica"}, 1.5, CLAUSE},
    {CLA, {"creo", "que"}, 1.2, AFTER},
    {CLA, {"pienso", "que"}, 1.2, AFTER},
    {CLA, {"en", "mi", "opinión"}, 1.5, AFTER},
    {CLA, {"estoy", "convencido"}, 1.5, AFTER},
    {CLA, {"hay", "que"}, 1.0, AFTER},
};
static const char *const s_es_numbers[] = {
    "diez",   "cien",  "ciento", "cientos", "mil",   "millón", "millones",
    "billón", "dos",   "tres",   "cuatro",  "cinco", "seis",   "siete",
    "ocho",   "nueve", "veinte", "mitad",   "doble", "docena", "porcentaje"};
static const char *const s_es_compare[] = {"frente", "comparado", "versus", "vs", "mientras"};
static const char *const s_es_lead[] = {"que", "y", "pero", "entonces", "es", "así", "pues"};
static const char *const s_es_tail[] = {
    "el", "la",  "los", "las", "un",   "una", "unos", "unas", "de", "del", "a",   "al", "y",
    "o",  "que", "en",  "por", "para", "con", "es",   "son",  "se", "su",  "sus", "lo"};
static const char *const s_es_sub[] = {"que",    "quien", "donde",    "cuando", "si",
                                       "porque", "como",  "mientras", "cuyo",   "cual"};
static const char *const s_es_neg[] = {"no", "nunca"};
static const char *const s_es_but[] = {"sino"};
static const char *const s_es_only[] = {"solo", "sólo", "solamente", "únicamente"};

/* ------------------------------------------------------------- Italian */

static const extract_cue_t s_it[] = {
    {DEF, {"cioè"}, 2.0, AFTER},
    {DEF, {"vale", "a", "dire"}, 2.0, AFTER},
    {DEF, {"definito", "come"}, 3.0, CLAUSE},
    {DEF, {"definita", "come"}, 3.0, CLAUSE},
    {DEF, {"definizione", "di"}, 3.0, AFTER},
    {DEF, {"si", "chiama"}, 2.0, AFTER},
    {DEF, {"si", "intende"}, 2.0, AFTER},
    {DEF, {"noto", "come"}, 2.0, CLAUSE},
    {DEF, {"nota", "come"}, 2.0, CLAUSE},
    {DEF, {"significa"}, 1.2, AFTER},
    {DEF, {"è", "un"}, 1.0, CLAUSE},
    {DEF, {"è", "una"}, 1.0, CLAUSE},
    {DEF, {"è", "uno"}, 1.0, CLAUSE},
    {CON, {"al", "contrario"}, 2.0, AFTER},
    {CON, {"anziché"}, 2.0, CLAUSE},
    {CON, {"piuttosto", "che"}, 2.0, CLAUSE},
    {CON, {"a", "differenza", "di"}, 2.0, CLAUSE},
    {CON, {"invece", "di"}, 1.5, CLAUSE},
    {CON, {"invece"}, 1.5, AFTER},
    {CON, {"mentre"}, 1.2, CLAUSE},
    {CON, {"tuttavia"}, 1.2, AFTER},
    {CON, {"però"}, 1.0, AFTER},
    {CON, {"ma"}, 0.6, AFTER},
    {PRE, {"scommetto"}, 3.0, AFTER},
    {PRE, {"prevedo"}, 3.0, AFTER},
    {PRE, {"mi", "aspetto"}, 2.0, AFTER},
    {PRE, {"si", "prevede"}, 2.0, AFTER},
    {PRE, {"in", "futuro"}, 1.0, CLAUSE},
    {PRE, {"nei", "prossimi"}, 1.0, CLAUSE},
    {PRE, {"entro", "il"}, 1.0, CLAUSE},
    {PRE, {"sarà"}, 0.8, CLAUSE},
    {PRE, {"saranno"}, 0.8, CLAUSE},
    {EXA, {"per", "esempio"}, 2.5, AFTER},
    {EXA, {"ad", "esempio"}, 2.5, AFTER},
    {EXA, {"tra", "cui"}, 1.0, AFTER},
    {EXA, {"in", "particolare"}, 1.0, AFTER},
    {MET, {"come", "un"}, 0.8, AT},
    {MET, {"come", "una"}, 0.8, AT},
    {MET, {"come", "se"}, 1.5, AFTER},
    {MET, {"metafora"}, 2.5, CLAUSE},
    {ANA, {"immagina"}, 1.5, AFTER},
    {ANA, {"immaginate"}, 1.5, AFTER},
    {ANA, {"paragonabile", "a"}, 2.0, AFTER},
    {ANA, {"analogia"}, 2.0, CLAUSE},
    {CAU, {"il", "motivo"}, 1.5, CLAUSE},
    {CAU, {"per", "questo"}, 1.5, AFTER},
    {CAU, {"perché"}, 1.2, AFTER},
    {CAU, {"poiché"}, 1.2, AFTER},
    {CAU, {"pertanto"}, 1.2, AFTER},
    {CAU, {"a", "causa", "di"}, 1.2, AFTER},
    {CAU, {"quindi"}, 1.0, AFTER},
    {EVI, {"mostra", "che"}, 2.0, AFTER},
    {EVI, {"mostrano", "che"}, 2.0, AFTER},
    {EVI, {"dimostra", "che"}, 2.0, AFTER},
    {EVI, {"secondo"}, 1.2, AFTER},
    {EVI, {"studio"}, 1.5, CLAUSE},
    {OBJ, {"critici"}, 2.0, CLAUSE},
    {OBJ, {"obiezione"}, 2.0, CLAUSE},
    {CLA, {"penso", "che"}, 1.2, AFTER},
    {CLA, {"credo", "che"}, 1.2, AFTER},
    {CLA, {"secondo", "me"}, 1.5, AFTER},
    {CLA, {"sono", "convinto"}, 1.5, AFTER},
    {CLA, {"bisogna"}, 1.0, AFTER},
};
static const char *const s_it_numbers[] = {
    "dieci",    "cento", "mille", "mila",    "milione", "milioni", "miliardo",
    "miliardi", "due",   "tre",   "quattro", "cinque",  "sei",     "sette",
    "otto",     "nove",  "venti", "metà",    "doppio",  "dozzina", "percento"};
static const char *const s_it_compare[] = {"rispetto", "contro", "versus",
                                           "vs",       "mentre", "confronto"};
static const char *const s_it_lead[] = {"che", "e", "ma", "poi", "è", "quindi", "così"};
static const char *const s_it_tail[] = {
    "il",  "lo", "la", "i", "gli", "le",  "l'", "un",  "una", "uno", "di", "del",  "della",
    "dei", "a",  "al", "e", "o",   "che", "in", "per", "con", "su",  "è",  "sono", "da"};
static const char *const s_it_sub[] = {"che",    "chi",  "dove",   "quando", "se",
                                       "perché", "come", "mentre", "cui",    "quale"};
static const char *const s_it_neg[] = {"non"};
static const char *const s_it_but[] = {"ma", "bensì"};
static const char *const s_it_only[] = {"solo", "soltanto", "solamente"};

/* ---------------------------------------------------------- Portuguese */

static const extract_cue_t s_pt[] = {
    {DEF, {"ou", "seja"}, 2.0, AFTER},
    {DEF, {"isto", "é"}, 2.0, AFTER},
    {DEF, {"definido", "como"}, 3.0, CLAUSE},
    {DEF, {"definida", "como"}, 3.0, CLAUSE},
    {DEF, {"definição", "de"}, 3.0, AFTER},
    {DEF, {"se", "chama"}, 2.0, AFTER},
    {DEF, {"conhecido", "como"}, 2.0, CLAUSE},
    {DEF, {"conhecida", "como"}, 2.0, CLAUSE},
    {DEF, {"significa"}, 1.2, AFTER},
    {DEF, {"é", "um"}, 1.0, CLAUSE},
    {DEF, {"é", "uma"}, 1.0, CLAUSE},
    {CON, {"por", "outro", "lado"}, 2.0, AFTER},
    {CON, {"ao", "contrário"}, 2.0, AFTER},
    {CON, {"em", "vez", "de"}, 1.5, CLAUSE},
    {CON, {"em", "lugar", "de"}, 1.5, CLAUSE},
    {CON, {"ao", "invés", "de"}, 1.5, CLAUSE},
    {CON, {"enquanto"}, 1.2, CLAUSE},
    {CON, {"no", "entanto"}, 1.2, AFTER},
    {CON, {"contudo"}, 1.2, AFTER},
    {CON, {"porém"}, 1.2, AFTER},
    {CON, {"mas"}, 0.6, AFTER},
    {PRE, {"aposto"}, 3.0, AFTER},
    {PRE, {"prevejo"}, 3.0, AFTER},
    {PRE, {"espero", "que"}, 1.5, AFTER},
    {PRE, {"no", "futuro"}, 1.0, CLAUSE},
    {PRE, {"nos", "próximos"}, 1.0, CLAUSE},
    {PRE, {"vai", "ser"}, 1.0, CLAUSE},
    {PRE, {"será"}, 0.8, CLAUSE},
    {PRE, {"serão"}, 0.8, CLAUSE},
    {EXA, {"por", "exemplo"}, 2.5, AFTER},
    {EXA, {"tais", "como"}, 1.2, AFTER},
    {EXA, {"nomeadamente"}, 1.2, AFTER},
    {EXA, {"em", "particular"}, 1.0, AFTER},
    {MET, {"como", "um"}, 0.8, AT},
    {MET, {"como", "uma"}, 0.8, AT},
    {MET, {"como", "se"}, 1.5, AFTER},
    {MET, {"metáfora"}, 2.5, CLAUSE},
    {ANA, {"imagine"}, 1.5, AFTER},
    {ANA, {"pense", "em"}, 1.5, AFTER},
    {ANA, {"comparável", "a"}, 2.0, AFTER},
    {ANA, {"analogia"}, 2.0, CLAUSE},
    {CAU, {"o", "motivo"}, 1.5, CLAUSE},
    {CAU, {"a", "razão"}, 1.5, CLAUSE},
    {CAU, {"por", "isso"}, 1.5, AFTER},
    {CAU, {"porque"}, 1.2, AFTER},
    {CAU, {"portanto"}, 1.2, AFTER},
    {CAU, {"devido", "a"}, 1.2, AFTER},
    {CAU, {"já", "que"}, 1.2, AFTER},
    {CAU, {"pois"}, 1.0, AFTER},
    {EVI, {"mostra", "que"}, 2.0, AFTER},
    {EVI, {"mostram", "que"}, 2.0, AFTER},
    {EVI, {"demonstra", "que"}, 2.0, AFTER},
    {EVI, {"segundo"}, 1.2, AFTER},
    {EVI, {"de", "acordo", "com"}, 1.5, AFTER},
    {EVI, {"estudo"}, 1.5, CLAUSE},
    {OBJ, {"críticos"}, 2.0, CLAUSE},
    {OBJ, {"objeção"}, 2.0, CLAUSE},
    {CLA, {"acho", "que"}, 1.2, AFTER},
    {CLA, {"penso", "que"}, 1.2, AFTER},
    {CLA, {"acredito", "que"}, 1.2, AFTER},
    {CLA, {"na", "minha", "opinião"}, 1.5, AFTER},
    {CLA, {"é", "preciso"}, 1.0, AFTER},
};
static const char *const s_pt_numbers[] = {
    "dez",     "cem",  "cento", "mil",   "milhão", "milhões", "bilhão",
    "bilhões", "dois", "duas",  "três",  "quatro", "cinco",   "seis",
    "sete",    "oito", "nove",  "vinte", "metade", "dobro",   "dúzia"};
static const char *const s_pt_compare[] = {"contra", "comparado", "versus",
                                           "vs",     "enquanto",  "face"};
static const char *const s_pt_lead[] = {"que", "e", "mas", "então", "é", "assim", "pois"};
static const char *const s_pt_tail[] = {"o",   "a",   "os",   "as",  "um", "uma", "de", "do",
                                        "da",  "dos", "das",  "em",  "no", "na",  "e",  "ou",
                                        "que", "por", "para", "com", "é",  "são", "se"};
static const char *const s_pt_sub[] = {"que",    "quem", "onde",     "quando", "se",
                                       "porque", "como", "enquanto", "cujo",   "qual"};
static const char *const s_pt_neg[] = {"não", "nunca"};
static const char *const s_pt_but[] = {"mas", "sim"};
static const char *const s_pt_only[] = {"só", "apenas", "somente"};

/* --------------------------------------------------------------- Dutch */

static const extract_cue_t s_nl[] = {
    {DEF, {"dat", "wil", "zeggen"}, 2.0, AFTER},
    {DEF, {"met", "andere", "woorden"}, 2.0, AFTER},
    {DEF, {"d", "w", "z"}, 2.0, AFTER},
    {DEF, {"oftewel"}, 1.5, AFTER},
    {DEF, {"gedefinieerd", "als"}, 3.0, CLAUSE},
    {DEF, {"definitie", "van"}, 3.0, AFTER},
    {DEF, {"noemt", "men"}, 2.0, AFTER},
    {DEF, {"men", "spreekt", "van"}, 2.0, AFTER},
    {DEF, {"bekend", "als"}, 2.0, CLAUSE},
    {DEF, {"zogenaamde"}, 1.5, AFTER},
    {DEF, {"zogenoemde"}, 1.5, AFTER},
    {DEF, {"betekent"}, 1.2, AFTER},
    {DEF, {"is", "een"}, 1.0, CLAUSE},
    {CON, {"in", "tegenstelling", "tot"}, 2.0, CLAUSE},
    {CON, {"daarentegen"}, 2.0, AFTER},
    {CON, {"anders", "dan"}, 2.0, CLAUSE},
    {CON, {"in", "plaats", "van"}, 1.5, CLAUSE},
    {CON, {"terwijl"}, 1.2, CLAUSE},
    {CON, {"echter"}, 1.2, AFTER},
    {CON, {"toch"}, 0.8, AFTER},
    {CON, {"maar"}, 0.6, AFTER},
    {PRE, {"ik", "wed"}, 3.0, AFTER},
    {PRE, {"ik", "voorspel"}, 3.0, AFTER},
    {PRE, {"ik", "verwacht"}, 2.0, AFTER},
    {PRE, {"naar", "verwachting"}, 1.5, CLAUSE},
    {PRE, {"in", "de", "toekomst"}, 1.0, CLAUSE},
    {PRE, {"de", "komende"}, 1.0, CLAUSE},
    {PRE, {"zal", "zijn"}, 0.8, CLAUSE},
    {PRE, {"zullen"}, 0.8, CLAUSE},
    {EXA, {"bijvoorbeeld"}, 2.5, AFTER},
    {EXA, {"b", "v"}, 2.0, AFTER},
    {EXA, {"zoals"}, 1.2, AFTER},
    {EXA, {"onder", "andere"}, 1.0, AFTER},
    {MET, {"net", "als"}, 1.5, AT},
    {MET, {"als", "een"}, 0.8, AT},
    {MET, {"alsof"}, 1.5, AFTER},
    {MET, {"metafoor"}, 2.5, CLAUSE},
    {ANA, {"stel", "je", "voor"}, 1.5, AFTER},
    {ANA, {"denk", "aan"}, 1.5, AFTER},
    {ANA, {"vergelijkbaar", "met"}, 2.0, AFTER},
    {ANA, {"analogie"}, 2.0, CLAUSE},
    {CAU, {"de", "reden"}, 1.5, CLAUSE},
    {CAU, {"omdat"}, 1.2, AFTER},
    {CAU, {"daarom"}, 1.2, AFTER},
    {CAU, {"doordat"}, 1.2, AFTER},
    {CAU, {"vanwege"}, 1.2, AFTER},
    {CAU, {"want"}, 1.0, AFTER},
    {CAU, {"dus"}, 1.0, AFTER},
    {EVI, {"blijkt", "dat"}, 2.0, AFTER},
    {EVI, {"laat", "zien", "dat"}, 2.0, AFTER},
    {EVI, {"toont", "aan"}, 2.0, AFTER},
    {EVI, {"volgens"}, 1.5, AFTER},
    {EVI, {"onderzoek"}, 1.5, CLAUSE},
    {OBJ, {"critici"}, 2.0, CLAUSE},
    {OBJ, {"kritiek"}, 1.5, CLAUSE},
    {OBJ, {"bezwaar"}, 2.0, CLAUSE},
    {CLA, {"ik", "denk"}, 1.0, AFTER},
    {CLA, {"ik", "geloof"}, 1.2, AFTER},
    {CLA, {"volgens", "mij"}, 1.5, AFTER},
    {CLA, {"naar", "mijn", "mening"}, 1.5, AFTER},
    {CLA, {"we", "moeten"}, 1.0, AFTER},
};
static const char *const s_nl_numbers[] = {
    "tien", "honderd", "duizend", "miljoen", "miljard", "procent", "twee",  "drie",   "vier",
    "vijf", "zes",     "zeven",   "acht",    "negen",   "twintig", "helft", "dubbel", "dozijn"};
static const char *const s_nl_compare[] = {"dan",    "tegenover", "vergeleken",
                                           "versus", "vs",        "terwijl"};
static const char *const s_nl_lead[] = {"dat", "en", "dus", "maar", "dan", "is", "zo"};
static const char *const s_nl_tail[] = {"de",   "het",  "een",  "van", "en",  "of", "dat",
                                        "in",   "voor", "met",  "op",  "aan", "te", "is",
                                        "zijn", "die",  "door", "als", "om",  "er"};
static const char *const s_nl_sub[] = {"die",   "dat",     "waar", "wanneer", "als",
                                       "omdat", "terwijl", "wie",  "welke",   "hoewel"};
static const char *const s_nl_neg[] = {"niet", "geen"};
static const char *const s_nl_but[] = {"maar"};
static const char *const s_nl_only[] = {"alleen", "slechts", "enkel"};

/* ------------------------------------------------------------- Russian */

static const extract_cue_t s_ru[] = {
    {DEF, {"то", "есть"}, 2.0, AFTER},
    {DEF, {"иными", "словами"}, 2.0, AFTER},
    {DEF, {"называется"}, 2.0, AFTER},
    {DEF, {"называют"}, 2.0, AFTER},
    {DEF, {"так", "называемый"}, 1.5, AFTER},
    {DEF, {"так", "называемые"}, 1.5, AFTER},
    {DEF, {"определение"}, 2.5, CLAUSE},
    {DEF, {"означает"}, 1.2, AFTER},
    {CON, {"в", "отличие", "от"}, 2.0, CLAUSE},
    {CON, {"вместо"}, 1.5, CLAUSE},
    {CON, {"тогда", "как"}, 1.5, CLAUSE},
    {CON, {"наоборот"}, 1.5, AFTER},
    {CON, {"однако"}, 1.2, AFTER},
    {CON, {"зато"}, 1.2, AFTER},
    {CON, {"но"}, 0.6, AFTER},
    {PRE, {"я", "ожидаю"}, 2.0, AFTER},
    {PRE, {"прогноз"}, 1.5, CLAUSE},
    {PRE, {"в", "будущем"}, 1.0, CLAUSE},
    {PRE, {"будет"}, 0.8, CLAUSE},
    {PRE, {"будут"}, 0.8, CLAUSE},
    {PRE, {"станет"}, 0.8, CLAUSE},
    {EXA, {"например"}, 2.5, AFTER},
    {EXA, {"к", "примеру"}, 2.5, AFTER},
    {EXA, {"такие", "как"}, 1.2, AFTER},
    {EXA, {"в", "частности"}, 1.0, AFTER},
    {MET, {"как", "будто"}, 1.5, AFTER},
    {MET, {"словно"}, 1.2, AFTER},
    {MET, {"метафора"}, 2.5, CLAUSE},
    {ANA, {"представьте"}, 1.5, AFTER},
    {ANA, {"аналогия"}, 2.0, CLAUSE},
    {CAU, {"причина"}, 1.5, CLAUSE},
    {CAU, {"потому", "что"}, 1.2, AFTER},
    {CAU, {"поэтому"}, 1.2, AFTER},
    {CAU, {"поскольку"}, 1.2, AFTER},
    {CAU, {"следовательно"}, 1.2, AFTER},
    {CAU, {"из", "за"}, 1.2, AFTER},
    {CAU, {"благодаря"}, 1.0, AFTER},
    {EVI, {"показывает", "что"}, 2.0, AFTER},
    {EVI, {"показали", "что"}, 2.0, AFTER},
    {EVI, {"по", "данным"}, 1.5, AFTER},
    {EVI, {"по", "словам"}, 1.5, AFTER},
    {EVI, {"согласно"}, 1.5, AFTER},
    {EVI, {"исследование"}, 1.5, CLAUSE},
    {OBJ, {"критики"}, 2.0, CLAUSE},
    {OBJ, {"возражение"}, 2.0, CLAUSE},
    {CLA, {"я", "думаю"}, 1.0, AFTER},
    {CLA, {"я", "считаю"}, 1.2, AFTER},
    {CLA, {"я", "уверен"}, 1.5, AFTER},
    {CLA, {"по", "моему", "мнению"}, 1.5, AFTER},
    {CLA, {"мне", "кажется"}, 1.0, AFTER},
    {CLA, {"важно"}, 1.0, CLAUSE},
};
static const char *const s_ru_numbers[] = {
    "два",       "две",      "три",     "четыре",   "пять",      "шесть",    "семь",    "восемь",
    "девять",    "десять",   "сто",     "тысяча",   "тысячи",    "тысяч",    "миллион", "миллиона",
    "миллионов", "миллиард", "процент", "процента", "процентов", "половина", "вдвое"};
static const char *const s_ru_compare[] = {"чем", "против", "сравнению", "тогда"};
static const char *const s_ru_lead[] = {"что", "и", "а", "но", "так", "то"};
static const char *const s_ru_tail[] = {"и",   "в",  "на", "с",  "о",   "что", "к",
                                        "по",  "из", "у",  "за", "для", "от",  "до",
                                        "как", "а",  "но", "не", "это", "же"};
static const char *const s_ru_sub[] = {"который", "которая", "которые", "которого", "когда",
                                       "если",    "потому",  "чтобы",   "где",      "хотя"};
static const char *const s_ru_neg[] = {"не"};
static const char *const s_ru_but[] = {"а", "но"};
static const char *const s_ru_only[] = {"только", "лишь"};

static const extract_lang_cues_t s_langs[STOPWORD_N_LANGS] = {
    [STOPWORD_EN] = {s_en,
                     S_N(s_en),
                     S_W(s_en_numbers),
                     S_W(s_en_compare),
                     S_W(s_en_lead),
                     S_W(s_en_tail),
                     S_W(s_en_sub),
                     S_W(s_en_neg),
                     S_W(s_en_but),
                     S_W(s_en_only),
                     {"is", "that"}},
    [STOPWORD_DE] = {s_de,
                     S_N(s_de),
                     S_W(s_de_numbers),
                     S_W(s_de_compare),
                     S_W(s_de_lead),
                     S_W(s_de_tail),
                     S_W(s_de_sub),
                     S_W(s_de_neg),
                     S_W(s_de_but),
                     S_W(s_de_only),
                     {"ist", "dass"}},
    [STOPWORD_FR] = {s_fr,
                     S_N(s_fr),
                     S_W(s_fr_numbers),
                     S_W(s_fr_compare),
                     S_W(s_fr_lead),
                     S_W(s_fr_tail),
                     S_W(s_fr_sub),
                     S_W(s_fr_neg),
                     S_W(s_fr_but),
                     S_W(s_fr_only),
                     {"est", "que"}},
    [STOPWORD_ES] = {s_es,
                     S_N(s_es),
                     S_W(s_es_numbers),
                     S_W(s_es_compare),
                     S_W(s_es_lead),
                     S_W(s_es_tail),
                     S_W(s_es_sub),
                     S_W(s_es_neg),
                     S_W(s_es_but),
                     S_W(s_es_only),
                     {"es", "que"}},
    [STOPWORD_IT] = {s_it,
                     S_N(s_it),
                     S_W(s_it_numbers),
                     S_W(s_it_compare),
                     S_W(s_it_lead),
                     S_W(s_it_tail),
                     S_W(s_it_sub),
                     S_W(s_it_neg),
                     S_W(s_it_but),
                     S_W(s_it_only),
                     {"è", "che"}},
    [STOPWORD_PT] = {s_pt,
                     S_N(s_pt),
                     S_W(s_pt_numbers),
                     S_W(s_pt_compare),
                     S_W(s_pt_lead),
                     S_W(s_pt_tail),
                     S_W(s_pt_sub),
                     S_W(s_pt_neg),
                     S_W(s_pt_but),
                     S_W(s_pt_only),
                     {"é", "que"}},
    [STOPWORD_NL] = {s_nl,
                     S_N(s_nl),
                     S_W(s_nl_numbers),
                     S_W(s_nl_compare),
                     S_W(s_nl_lead),
                     S_W(s_nl_tail),
                     S_W(s_nl_sub),
                     S_W(s_nl_neg),
                     S_W(s_nl_but),
                     S_W(s_nl_only),
                     {"is", "dat"}},
    [STOPWORD_RU] = {s_ru,
                     S_N(s_ru),
                     S_W(s_ru_numbers),
                     S_W(s_ru_compare),
                     S_W(s_ru_lead),
                     S_W(s_ru_tail),
                     S_W(s_ru_sub),
                     S_W(s_ru_neg),
                     S_W(s_ru_but),
                     S_W(s_ru_only),
                     {"том", "что"}},
};

_Static_assert(S_N(s_en) <= 64 && S_N(s_de) <= 64 && S_N(s_fr) <= 64 && S_N(s_es) <= 64 &&
                   S_N(s_it) <= 64 && S_N(s_pt) <= 64 && S_N(s_nl) <= 64 && S_N(s_ru) <= 64,
               "a term's cues are one 64-bit mask");

const extract_lang_cues_t *extract_lang_cues(int lang)
{
    return lang > 0 && lang < STOPWORD_N_LANGS ? &s_langs[lang] : &s_langs[STOPWORD_EN];
}
