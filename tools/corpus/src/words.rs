//! The vocabulary: essays about publishing small websites and keeping them safe.
//!
//! Every noun takes a regular plural and every verb regular endings (see `prose::inflect`), so
//! the grammar never needs a table of exceptions. Nothing here may contain `{`.

use std::sync::OnceLock;

/// Every list of words the generator draws from.
pub struct Vocabulary {
    /// Nouns, singular.
    pub nouns: Vec<&'static str>,
    /// Adjectives.
    pub adjectives: Vec<&'static str>,
    /// Verbs, in the base form.
    pub verbs: Vec<&'static str>,
    /// Adverbs that may come before a verb.
    pub adverbs: Vec<&'static str>,
    /// Determiners before a singular noun.
    pub singular_determiners: Vec<&'static str>,
    /// Determiners before a plural noun.
    pub plural_determiners: Vec<&'static str>,
    /// Prepositions that start a trailing phrase.
    pub prepositions: Vec<&'static str>,
    /// Words joining a second clause to the first, after a comma.
    pub conjunctions: Vec<&'static str>,
    /// Phrases that may open a sentence, before a comma.
    pub openers: Vec<&'static str>,
    /// Tags: one lower-case word each, so a tag's URL is the tag itself.
    pub tags: Vec<&'static str>,
    /// Identifiers for inline code, tables and snippets.
    pub identifiers: Vec<&'static str>,
    /// File names for inline code.
    pub file_names: Vec<&'static str>,
    /// Environment variables for shell snippets.
    pub env_vars: Vec<&'static str>,
    /// Hosts of external links: reserved example domains, so nothing real is ever linked.
    pub hosts: Vec<&'static str>,
    /// Given names of the people quoted in blockquotes.
    pub given_names: Vec<&'static str>,
    /// Family names, after a given name.
    pub family_names: Vec<&'static str>,
}

/// The vocabulary, split into lists once per process.
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| Vocabulary {
        nouns: words(NOUNS),
        adjectives: words(ADJECTIVES),
        verbs: words(VERBS),
        adverbs: words(ADVERBS),
        singular_determiners: words(SINGULAR_DETERMINERS),
        plural_determiners: words(PLURAL_DETERMINERS),
        prepositions: words(PREPOSITIONS),
        conjunctions: words(CONJUNCTIONS),
        openers: phrases(OPENERS),
        tags: words(TAGS),
        identifiers: words(IDENTIFIERS),
        file_names: words(FILE_NAMES),
        env_vars: words(ENV_VARS),
        hosts: words(HOSTS),
        given_names: words(GIVEN_NAMES),
        family_names: words(FAMILY_NAMES),
    })
}

/// The words of a list written as text.
fn words(text: &'static str) -> Vec<&'static str> {
    text.split_whitespace().collect()
}

/// The phrases of a list written one a line.
fn phrases(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
}

/// Nouns, singular.
const NOUNS: &str = "\
essay draft reader writer editor archive folder file link anchor footer page site domain \
certificate vault signature digest checksum manifest blob container account endpoint origin \
edge cache header firewall port patch release changelog branch commit review suite benchmark \
budget deadline estimate incident outage pager alert dashboard metric histogram percentile \
trace record column migration backup replica snapshot region tenant quota invoice vendor \
contract owner maintainer newcomer mentor habit ritual checklist runbook template layout \
theme palette font margin grid thumbnail caption footnote citation quote heading paragraph \
sentence glossary feed sitemap crawler robot browser cookie session token form warning retry \
timeout queue worker thread lock channel message signal daemon handler trigger schedule \
batch pipeline stage artifact binary library module package dependency registry mirror proxy \
gateway router switch cable rack laptop terminal shell prompt compiler linter formatter \
debugger profiler password secret key policy audit attacker exploit sandbox boundary \
permission request response redirect deploy rollback preview typo bug fix";

/// Adjectives.
const ADJECTIVES: &str = "\
quiet careful hasty small large narrow wide stale fresh static dynamic plain cheap costly \
brittle sturdy honest opaque visible hidden private public signed unsigned cached remote \
local shared isolated frozen mutable durable temporary manual automatic nightly weekly \
boring clever patient slow fast tiny readable forgotten expired trusted hostile friendly \
minimal generous strict lenient";

/// Verbs, in the base form.
const VERBS: &str = "\
publish render serve upload fetch verify sign rotate revoke cache purge index parse escape \
sanitize measure compare replace rename delete restore deploy review approve bundle compress \
hash encrypt trace schedule document inspect harden simplify retire mirror question replay \
validate isolate reject expire throttle batch patch monitor archive migrate protect outlast \
watch explain";

/// Adverbs that may come before a verb.
const ADVERBS: &str = "\
quietly rarely always still often never already eventually gladly barely usually suddenly \
finally seldom happily";

/// Determiners before a singular noun.
const SINGULAR_DETERMINERS: &str = "\
the a every each our this that one your their";

/// Determiners before a plural noun.
const PLURAL_DETERMINERS: &str = "\
the our these those many some most few all your two";

/// Prepositions that start a trailing phrase.
const PREPOSITIONS: &str = "\
with behind before after under across without inside beside for from into over past around \
through against near";

/// Words joining a second clause to the first, after a comma.
const CONJUNCTIONS: &str = "\
and but so because while although unless since until yet";

/// Phrases that may open a sentence, before a comma.
const OPENERS: &str = "\
In practice
Most of the time
On a good day
Years later
For a small site
In our experience
Before the next release
Once a week
By the end
To be fair
At first
In the meantime
Sooner or later
On paper
After the outage";

/// Tags: one lower-case word each, so a tag's URL is the tag itself.
const TAGS: &str = "\
azure security rust writing typography accessibility performance caching networking dns tls \
http css html markdown testing fuzzing ci deployment storage observability privacy linux \
tooling design editing feeds search serverless incidents";

/// Identifiers for inline code, tables and snippets.
const IDENTIFIERS: &str = "\
max_age etag_for render_post slug_of load_front walk_tree sign_blob rotate_key cache_control \
content_type read_manifest plan_upload parse_date word_count spare_dir retry_delay \
open_socket drain_queue hash_file list_blobs next_page feed_entries strip_bom escape_attr \
watch_dir";

/// File names for inline code.
const FILE_NAMES: &str = "\
site.toml index.md style.css robots.txt deploy.yml Cargo.lock justfile nginx.conf \
settings.ini build.rs atom.xml sitemap.xml 404.html _index.md";

/// Environment variables for shell snippets.
const ENV_VARS: &str = "\
STORAGE_ACCOUNT CACHE_DIR LISTEN_PORT RETRY_LIMIT BUILD_MODE TRACE_LEVEL";

/// Hosts of external links: reserved example domains, so nothing real is ever linked.
const HOSTS: &str = "\
example.com www.example.org docs.example.net blog.example.com notes.example.org \
archive.example.net status.example.com";

/// Given names of the people quoted in blockquotes.
const GIVEN_NAMES: &str = "\
Ada Bruno Chioma Dmitri Elif Farah Goran Hana Ines Jun";

/// Family names, after a given name.
const FAMILY_NAMES: &str = "\
Okafor Lindqvist Tanaka Moreau Haddad Novak Castillo Brennan Ivanova Kowalski";
