//! `site.toml`: the site's settings, typed, with a default for every key.

use std::path::Path;

use serde::Deserialize;

use crate::diagnostic::{Diagnostic, Diagnostics, line_column};
use crate::load::front_matter::clean_string;

/// The name of the config file at the site's root.
pub const CONFIG_FILE: &str = "site.toml";

/// `base_url` when none is given: the address `pamphlet serve` listens on by default, fine for
/// looking at a build locally and wrong for publishing one.
pub const PLACEHOLDER_BASE_URL: &str = "http://127.0.0.1:1111";

/// Everything `site.toml` can say.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The site's name, shown in every page's header and title.
    pub title: String,
    /// One sentence about the site: the home page's meta description.
    pub description: String,
    /// Where the site is published, used for absolute links in feeds, sitemap and metadata.
    pub base_url: String,
    /// True when `base_url` was given (in `site.toml` or on the command line), false while it
    /// is the local placeholder [`PLACEHOLDER_BASE_URL`].
    #[serde(skip)]
    pub base_url_given: bool,
    /// The `lang` of every page.
    pub language: String,
    /// The default author of every post.
    pub author: String,
    /// A one-line bio shown under the site title on the home page and in each post's author block.
    pub bio: String,
    /// Posts per list page; 0 turns pagination off.
    pub paginate_by: usize,
    /// Sections whose posts the home page lists; empty means "the section with the most pages".
    pub main_sections: Vec<String>,
    /// Markdown options.
    pub markdown: MarkdownConfig,
    /// Feed options.
    pub feeds: FeedConfig,
    /// Deploy target and cache rules, read by `pamphlet deploy`.
    pub deploy: DeployConfig,
    /// Where the Content-Security-Policy is widened for embeds the site really wants.
    pub security: SecurityConfig,
    /// How images referenced from markdown are published.
    pub images: crate::images::ImagesConfig,
    /// Where a build keeps what it may reuse.
    pub build: BuildConfig,
    /// Free values handed to templates as `config.extra`.
    pub extra: toml::Table,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "A pamphlet".into(),
            description: String::new(),
            base_url: PLACEHOLDER_BASE_URL.into(),
            base_url_given: false,
            language: "en".into(),
            author: String::new(),
            bio: String::new(),
            paginate_by: 10,
            main_sections: Vec::new(),
            markdown: MarkdownConfig::default(),
            feeds: FeedConfig::default(),
            deploy: DeployConfig::default(),
            security: SecurityConfig::default(),
            images: crate::images::ImagesConfig::default(),
            build: BuildConfig::default(),
            extra: toml::Table::new(),
        }
    }
}

/// `[markdown]`: how markdown becomes HTML.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Curly quotes, dashes and ellipses.
    pub smart_punctuation: bool,
    /// Syntax highlighting of fenced code blocks.
    pub highlight_code: bool,
    /// `$…$` and `$$…$$` are TeX formulas, rendered to MathML at build time.
    pub math: bool,
    /// A syntect theme for highlighted code in light mode, such as `"InspiredGitHub"`. Empty (the
    /// default) means the theme's own palette in `style.css`, made for both schemes with AA
    /// contrast; a name replaces that palette with syntect's stylesheet for the theme.
    pub highlight_theme: String,
    /// With `highlight_theme`: the syntect theme for dark mode. Empty means `highlight_theme` in
    /// both schemes. Unused while `highlight_theme` is empty.
    pub highlight_theme_dark: String,
    /// What a link to a missing content file is: `"error"` (the build fails) or `"warning"`.
    pub broken_links: Level,
}

/// How serious a kind of problem is made to be.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The build fails.
    #[default]
    Error,
    /// The build reports it and goes on.
    Warning,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            smart_punctuation: true,
            highlight_code: true,
            math: true,
            highlight_theme: String::new(),
            highlight_theme_dark: "base16-ocean.dark".into(),
            broken_links: Level::Error,
        }
    }
}

/// `[feeds]`: the RSS, Atom and JSON feeds.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FeedConfig {
    /// Write `/rss.xml`.
    pub rss: bool,
    /// Write `/atom.xml`.
    pub atom: bool,
    /// Write `/feed.json` (JSON Feed 1.1).
    pub json: bool,
    /// The newest this many posts go in each feed; 0 means all.
    pub limit: usize,
    /// Also write `/tags/<tag>/rss.xml` and `atom.xml` for every tag.
    pub tags: bool,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            rss: true,
            atom: true,
            json: true,
            limit: 20,
            tags: false,
        }
    }
}

/// `[security]`: hosts the Content-Security-Policy allows besides the site itself, per kind of
/// embed. Empty (the default) keeps the policy at `'self'` for everything.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SecurityConfig {
    /// Origins pages may embed in frames (`frame-src`), such as `https://www.youtube-nocookie.com`.
    pub frame_src: Vec<String>,
    /// Origins images may come from (`img-src`).
    pub img_src: Vec<String>,
    /// Origins audio and video may come from (`media-src`).
    pub media_src: Vec<String>,
}

/// `[build]`: where a build keeps its work between runs, and what it works out.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct BuildConfig {
    /// The cache folder, relative to the site's root; `.pamphlet-cache` when unset.
    pub cache_dir: Option<std::path::PathBuf>,
    /// A page without `updated` takes its file's last git commit date.
    pub updated_from_git: bool,
    /// Each post gets `page.related`, the posts most like it.
    pub related_posts: bool,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            cache_dir: None,
            updated_from_git: false,
            related_posts: true,
        }
    }
}

/// `[deploy]`: where `pamphlet deploy` uploads and with which headers.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DeployConfig {
    /// The storage account name (secrets never live here: see the README).
    pub account: String,
    /// The container serving the static website.
    pub container: String,
    /// A blob endpoint other than Azure's, such as Azurite's `http://127.0.0.1:10000/devstoreaccount1`.
    pub endpoint: String,
    /// `Cache-Control` rules, first match wins.
    pub cache: Vec<CacheRule>,
    /// Uploads in flight at once, 1 to [`MAX_DEPLOY_CONCURRENCY`].
    pub concurrency: usize,
    /// Extensions of the files stored gzip-encoded (and so sent by `serve`); empty for none.
    pub compress: Vec<String>,
    /// How deploy signs in: a key or SAS from the environment, or an Entra ID identity.
    pub auth: DeployAuth,
    /// The Azure Front Door endpoint in front of the website, whose cache deploy purges.
    pub front_door: Option<FrontDoorConfig>,
    /// Other places to publish, chosen with `--target NAME`, by name.
    pub targets: std::collections::BTreeMap<String, DeployTarget>,
}

/// `[deploy.front_door]`: the Front Door Standard/Premium endpoint whose cache a deploy purges of
/// exactly the addresses it changed or deleted.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct FrontDoorConfig {
    /// The Azure subscription id holding the profile.
    pub subscription: String,
    /// The profile's resource group.
    pub resource_group: String,
    /// The Front Door profile's name.
    pub profile: String,
    /// The endpoint's name within the profile.
    pub endpoint: String,
    /// The domains to purge on; empty for every domain of the endpoint.
    pub domains: Vec<String>,
    /// Azure Resource Manager's address: another cloud's, such as
    /// `https://management.chinacloudapi.cn`; empty for Azure's public cloud.
    pub management_endpoint: String,
}

/// `[deploy] auth`: which of the ways to sign in deploy uses. Secrets and identities always come
/// from the environment; this only chooses among them.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DeployAuth {
    /// The first that is set of a connection string, an account key, a SAS token, a federated
    /// token and a client secret.
    #[default]
    Auto,
    /// `AZURE_STORAGE_CONNECTION_STRING` only.
    ConnectionString,
    /// `AZURE_STORAGE_KEY` only.
    Key,
    /// `AZURE_STORAGE_SAS_TOKEN` only.
    Sas,
    /// Entra ID workload identity: `AZURE_FEDERATED_TOKEN_FILE` (GitHub Actions OIDC, AKS).
    WorkloadIdentity,
    /// Entra ID service principal: `AZURE_CLIENT_SECRET`.
    ClientSecret,
    /// The managed identity of the Azure machine deploy runs on.
    ManagedIdentity,
    /// The Azure CLI's signed-in account (`az login`).
    AzureCli,
}

/// `[deploy.targets.NAME]`: another place to publish, such as staging. Each key given replaces
/// the `[deploy]` key of its name (or `base_url`) when `--target NAME` chooses it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DeployTarget {
    /// Where this target publishes the site.
    pub base_url: Option<String>,
    /// Its storage account.
    pub account: Option<String>,
    /// Its container.
    pub container: Option<String>,
    /// Its blob endpoint.
    pub endpoint: Option<String>,
    /// Its `Cache-Control` rules.
    pub cache: Option<Vec<CacheRule>>,
    /// Its uploads in flight at once.
    pub concurrency: Option<usize>,
    /// Its compressed extensions.
    pub compress: Option<Vec<String>>,
    /// How it signs in.
    pub auth: Option<DeployAuth>,
    /// Its Front Door endpoint.
    pub front_door: Option<FrontDoorConfig>,
}

/// `[deploy] concurrency` when not given: enough to fill a home uplink with small files.
pub const DEFAULT_DEPLOY_CONCURRENCY: usize = 8;
/// The most uploads `[deploy] concurrency` may keep in flight: beyond it Azure throttles a
/// single client and the retries cost more than the parallelism wins.
pub const MAX_DEPLOY_CONCURRENCY: usize = 64;

impl Default for DeployConfig {
    fn default() -> Self {
        DeployConfig {
            account: String::new(),
            container: "$web".into(),
            endpoint: String::new(),
            cache: Vec::new(),
            concurrency: DEFAULT_DEPLOY_CONCURRENCY,
            compress: crate::compress::DEFAULT_COMPRESS.map(String::from).to_vec(),
            auth: DeployAuth::Auto,
            front_door: None,
            targets: std::collections::BTreeMap::new(),
        }
    }
}

/// One `[[deploy.cache]]` rule: files matching `glob` get `control` as their `Cache-Control`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CacheRule {
    /// A glob over paths relative to the output folder, such as `*.html` or `images/**`.
    pub glob: String,
    /// The `Cache-Control` header value.
    pub control: String,
}

impl Config {
    /// Reads `site.toml` from `root`; a missing file gives the defaults.
    pub fn load(root: &Path) -> Result<Config, Diagnostics> {
        let path = root.join(CONFIG_FILE);
        let text = crate::load::read_regular_file(&path).and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| std::io::Error::other("it is not UTF-8 text; save it as UTF-8"))
        });
        match text {
            Ok(text) => Config::parse(&text).map_err(|d| {
                d.into_iter()
                    .map(|d| d.in_file(CONFIG_FILE))
                    .collect::<Diagnostics>()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Diagnostics::from_iter([Diagnostic::error(format!(
                "cannot read {CONFIG_FILE}: {e}"
            ))
            .in_file(CONFIG_FILE)])),
        }
    }

    /// Parses the text of a `site.toml`.
    pub fn parse(text: &str) -> Result<Config, Diagnostics> {
        let mut config: Config = crate::load::front_matter::deserialize_toml(text)
            .map_err(|e| {
                let mut d = Diagnostic::error(e.message)
                    .help("see the README's site.toml reference for every key");
                if let Some((line, column)) = e.location {
                    d = d.at(line, column);
                }
                Diagnostics::from_iter([d])
            })?
            .0;
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        config.base_url_given = text
            .parse::<toml::Table>()
            .is_ok_and(|table| table.contains_key("base_url"));
        // As in front matter: these reach every page, where HTML and XML cannot carry them.
        for text in [
            &mut config.title,
            &mut config.description,
            &mut config.language,
            &mut config.author,
            &mut config.bio,
        ] {
            clean_string(text);
        }
        clean_table(&mut config.extra);
        let mut problems = Diagnostics::new();
        let security = &config.security;
        for (key, sources) in [
            ("frame_src", &security.frame_src),
            ("img_src", &security.img_src),
            ("media_src", &security.media_src),
        ] {
            for source in sources {
                if let Err(why) = crate::render::csp::check_source(source) {
                    let mut d = Diagnostic::error(format!("[security] {key}: {why}"))
                        .help("see the README's [security] section");
                    if let Some(at) = text.find(source.as_str()) {
                        let (line, column) = line_column(text, at);
                        d = d.at(line, column);
                    }
                    problems.push(d);
                }
            }
        }
        if !config.base_url.starts_with("http://") && !config.base_url.starts_with("https://") {
            problems.push(
                Diagnostic::error(format!(
                    "base_url `{}` is not an http(s) URL",
                    config.base_url
                ))
                .help("write the address the site is published at, such as https://example.com"),
            );
        }
        let deploy = &config.deploy;
        let mut tables = vec![DeployKeys {
            table: "deploy".into(),
            concurrency: Some(deploy.concurrency),
            compress: Some(&deploy.compress),
            base_url: None,
        }];
        tables.extend(deploy.targets.iter().map(|(name, target)| DeployKeys {
            table: format!("deploy.targets.{name}"),
            concurrency: target.concurrency,
            compress: target.compress.as_deref(),
            base_url: target.base_url.as_deref(),
        }));
        for keys in &tables {
            keys.check(text, &mut problems);
        }
        if problems.has_errors() {
            return Err(problems);
        }
        Ok(config)
    }

    /// The settings for `--target name`: its `[deploy.targets.NAME]` keys in place of the
    /// `[deploy]` keys (and `base_url`) they name. An unknown name is an error listing the
    /// targets there are.
    pub fn for_target(&self, name: &str) -> Result<Config, Diagnostic> {
        let Some(target) = self.deploy.targets.get(name).cloned() else {
            let known: Vec<&str> = self.deploy.targets.keys().map(String::as_str).collect();
            let help = if known.is_empty() {
                format!("add a [deploy.targets.{name}] table to site.toml, or leave out --target")
            } else {
                format!("the targets in site.toml are: {}", known.join(", "))
            };
            return Err(Diagnostic::error(format!(
                "--target {name}: site.toml has no [deploy.targets.{name}]"
            ))
            .in_file(CONFIG_FILE)
            .help(help));
        };
        let mut targeted = self.clone();
        if let Some(base_url) = target.base_url {
            targeted.base_url = base_url.trim_end_matches('/').to_string();
            targeted.base_url_given = true;
        }
        let deploy = &mut targeted.deploy;
        let replace = |kept: &mut String, given: Option<String>| {
            if let Some(given) = given {
                *kept = given;
            }
        };
        replace(&mut deploy.account, target.account);
        replace(&mut deploy.container, target.container);
        replace(&mut deploy.endpoint, target.endpoint);
        deploy.cache = target.cache.unwrap_or(std::mem::take(&mut deploy.cache));
        deploy.concurrency = target.concurrency.unwrap_or(deploy.concurrency);
        deploy.compress = target
            .compress
            .unwrap_or(std::mem::take(&mut deploy.compress));
        deploy.auth = target.auth.unwrap_or(deploy.auth);
        if target.front_door.is_some() {
            deploy.front_door = target.front_door;
        }
        Ok(targeted)
    }

    /// The absolute URL of a root-relative path such as `/blog/x/`.
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

/// The `[deploy]` keys checked beyond their types, in `[deploy]` or one of its targets.
struct DeployKeys<'a> {
    table: String,
    concurrency: Option<usize>,
    compress: Option<&'a [String]>,
    base_url: Option<&'a str>,
}

impl DeployKeys<'_> {
    fn check(&self, text: &str, problems: &mut Diagnostics) {
        let table = &self.table;
        let at = |key: &str, d: Diagnostic| match key_offset(text, table, key) {
            Some(at) => {
                let (line, column) = line_column(text, at);
                d.at(line, column)
            }
            None => d,
        };
        if let Some(concurrency) = self.concurrency
            && !(1..=MAX_DEPLOY_CONCURRENCY).contains(&concurrency)
        {
            let d = Diagnostic::error(format!(
                "[{table}] concurrency is {concurrency}; it must be from 1 to {MAX_DEPLOY_CONCURRENCY}"
            ))
            .help(format!(
                "leave it out for {DEFAULT_DEPLOY_CONCURRENCY} uploads at once, or lower it on a slow or metered link"
            ));
            problems.push(at("concurrency", d));
        }
        if let Some(bad) = (self.compress.unwrap_or_default().iter()).find(|e| !is_extension(e)) {
            let d = Diagnostic::error(format!(
                "[{table}] compress holds `{bad}`, which is not a file extension"
            ))
            .help("list extensions such as \"html\" or \"css\", or write compress = [] to store every file as it is");
            problems.push(at("compress", d));
        }
        if let Some(url) = self.base_url
            && !url.starts_with("http://")
            && !url.starts_with("https://")
        {
            let d = Diagnostic::error(format!("[{table}] base_url `{url}` is not an http(s) URL"))
                .help("write the address this target publishes at, such as https://staging.example.com");
            problems.push(at("base_url", d));
        }
    }
}

/// True for `html` or `.html`: letters, digits, `-` and `_` after at most one leading dot.
fn is_extension(extension: &str) -> bool {
    let bare = extension.strip_prefix('.').unwrap_or(extension);
    !bare.is_empty()
        && bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Where `key = ...` starts in `[table]` of `text`, found line by line as a user wrote it (a
/// value elsewhere may hold the same word).
fn key_offset(text: &str, table: &str, key: &str) -> Option<usize> {
    let header = format!("[{table}]");
    let mut inside = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            inside = trimmed.trim_end().starts_with(&header);
        } else if inside
            && let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(offset + line.len() - trimmed.len());
        }
        offset += line.len();
    }
    None
}

fn clean_table(table: &mut toml::Table) {
    if table.keys().any(|k| k.chars().any(char::is_control)) {
        *table = std::mem::take(table)
            .into_iter()
            .map(|(mut k, v)| {
                clean_string(&mut k);
                (k, v)
            })
            .collect();
    }
    table.iter_mut().for_each(|(_, v)| clean_value(v));
}

fn clean_value(value: &mut toml::Value) {
    match value {
        toml::Value::String(text) => clean_string(text),
        toml::Value::Array(items) => items.iter_mut().for_each(clean_value),
        toml::Value::Table(table) => clean_table(table),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn unknown_key_is_an_error_with_a_position() {
        let err = Config::parse("title = \"x\"\ncolour = 1\n").unwrap_err();
        let d = err.iter().next().unwrap();
        assert_eq!(d.line, Some(2));
        assert!(d.message.contains("colour"), "{}", d.message);
    }

    #[test]
    fn base_url_loses_its_trailing_slash() {
        let c = Config::parse("base_url = \"https://example.com/\"").unwrap();
        assert_eq!(c.permalink("/a/"), "https://example.com/a/");
    }

    #[test]
    fn deploy_compress_defaults_to_text_and_refuses_what_is_no_extension_at_its_line() {
        assert!(
            Config::default()
                .deploy
                .compress
                .contains(&"html".to_string())
        );
        let off = Config::parse("[deploy]\ncompress = []\n").unwrap();
        assert!(off.deploy.compress.is_empty());
        let dotted = Config::parse("[deploy]\ncompress = [\".html\", \"css\"]\n").unwrap();
        assert_eq!(dotted.deploy.compress, [".html", "css"]);
        for bad in ["*.html", "", "a/b", ". "] {
            let text = format!("[deploy]\ncontainer = \"compress\"\ncompress = [\"{bad}\"]\n");
            let err = Config::parse(&text).unwrap_err();
            let d = err.iter().next().unwrap();
            assert_eq!((d.line, d.column), (Some(3), Some(1)), "{}", d.message);
            assert!(d.message.contains("not a file extension"), "{}", d.message);
        }
    }

    const TARGETS: &str = "base_url = \"https://example.com\"\n\n[deploy]\naccount = \"prod\"\nconcurrency = 16\n\n\
        [deploy.targets.staging]\nbase_url = \"https://staging.example.com/\"\ncontainer = \"staging\"\ncompress = []\n";

    #[test]
    fn a_target_replaces_exactly_the_keys_it_gives() {
        let config = Config::parse(TARGETS).unwrap();
        assert_eq!(config.deploy.container, "$web");
        let staging = config.for_target("staging").unwrap();
        assert_eq!(staging.base_url, "https://staging.example.com");
        assert_eq!(staging.deploy.container, "staging");
        assert!(staging.deploy.compress.is_empty());
        // What the target leaves out comes from [deploy].
        assert_eq!(staging.deploy.account, "prod");
        assert_eq!(staging.deploy.concurrency, 16);
        assert_eq!(staging.deploy.targets, config.deploy.targets);
    }

    #[test]
    fn an_unknown_target_names_the_ones_there_are() {
        let config = Config::parse(TARGETS).unwrap();
        let unknown = config.for_target("prod").unwrap_err();
        assert!(
            unknown.message.contains("no [deploy.targets.prod]"),
            "{}",
            unknown.message
        );
        assert!(
            unknown
                .help
                .as_deref()
                .is_some_and(|h| h.contains("staging"))
        );
        let none = Config::default().for_target("staging").unwrap_err();
        assert!(
            none.help
                .as_deref()
                .is_some_and(|h| h.contains("[deploy.targets.staging]"))
        );
    }

    #[test]
    fn a_targets_bad_values_are_errors_at_their_lines() {
        let text = "[deploy.targets.staging]\nbase_url = \"ftp://x\"\nconcurrency = 0\ncompress = [\"a b\"]\nregion = 1\n";
        let err = Config::parse(text).unwrap_err();
        let lines: Vec<Option<usize>> = err.iter().map(|d| d.line).collect();
        assert!(lines.contains(&Some(5)), "the unknown key: {lines:?}");
        let text = "[deploy.targets.staging]\nbase_url = \"ftp://x\"\nconcurrency = 0\ncompress = [\"a b\"]\n";
        let err = Config::parse(text).unwrap_err();
        let found: Vec<(Option<usize>, &str)> =
            err.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(found.len(), 3, "{found:?}");
        for (line, message) in found {
            assert!(
                message.starts_with("[deploy.targets.staging] "),
                "{message}"
            );
            assert!(line.is_some_and(|l| (2..=4).contains(&l)), "{message}");
        }
    }

    #[test]
    fn deploy_concurrency_defaults_to_8_and_is_bounded_at_its_line() {
        assert_eq!(
            Config::default().deploy.concurrency,
            DEFAULT_DEPLOY_CONCURRENCY
        );
        let wide = Config::parse("[deploy]\nconcurrency = 64\n").unwrap();
        assert_eq!(wide.deploy.concurrency, 64);
        for bad in [0, 65] {
            let text = format!(
                "# concurrency of uploads\n[deploy]\ncontainer = \"concurrency\"\n  concurrency = {bad}\n"
            );
            let err = Config::parse(&text).unwrap_err();
            let d = err.iter().next().unwrap();
            assert_eq!((d.line, d.column), (Some(4), Some(3)), "{}", d.message);
            assert!(d.message.contains("from 1 to 64"), "{}", d.message);
        }
    }

    #[test]
    fn deploy_auth_is_one_of_the_ways_at_its_line_and_a_target_may_choose_its_own() {
        assert_eq!(Config::default().deploy.auth, DeployAuth::Auto);
        let text =
            "[deploy]\nauth = \"client-secret\"\n[deploy.targets.laptop]\nauth = \"azure-cli\"\n";
        let config = Config::parse(text).unwrap();
        assert_eq!(config.deploy.auth, DeployAuth::ClientSecret);
        let laptop = config.for_target("laptop").unwrap();
        assert_eq!(laptop.deploy.auth, DeployAuth::AzureCli);
        let err = Config::parse("[deploy]\nauth = \"password\"\n").unwrap_err();
        let d = err.iter().next().unwrap();
        assert_eq!(d.line, Some(2), "{}", d.message);
        assert!(d.message.contains("managed-identity"), "{}", d.message);
    }
}
