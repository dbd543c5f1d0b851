//! Headers as code: the response headers an Azure static website cannot send, and the Front
//! Door Standard/Premium rule set that sends them. `pamphlet headers` prints them;
//! `pamphlet headers --front-door` writes the rule set as an ARM template ([`arm`]) and as
//! `az afd` commands ([`az`]), with a real 301 for every alias.
//!
//! The Content-Security-Policy is the one every page carries in its meta tag, plus what a meta
//! tag cannot say (`frame-ancestors 'none'`), so the header and the tag never disagree.

pub mod arm;
pub mod az;

use crate::config::Config;
use crate::model::Site;
use crate::model::routes::Route;

/// `Strict-Transport-Security`: two years, subdomains, and ready for the browsers' preload list.
pub const HSTS: &str = "max-age=63072000; includeSubDomains; preload";
/// `Referrer-Policy`, the same as the theme's meta tag.
pub const REFERRER_POLICY: &str = "strict-origin-when-cross-origin";
/// `Permissions-Policy`: an essay needs none of the powerful features, so none is granted.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()";

/// A rule set holds at most this many rules (Front Door Standard/Premium's limit).
pub const RULES_PER_SET: usize = 100;

/// One response header and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Its name, as sent.
    pub name: &'static str,
    /// Its value.
    pub value: String,
}

/// A URL that answers with a permanent redirect: an alias, or a list's `page/1/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The root-relative URL redirected from, as the site writes it (`/old/path/`).
    pub from: String,
    /// Where to (`/blog/new/`).
    pub to: String,
}

impl Redirect {
    /// Every form of `from` a reader may request, as Front Door's URL path condition matches
    /// them: without the leading slash (`old/path/`, `old/path`, `old/path/index.html`).
    pub fn request_paths(&self) -> Vec<String> {
        let bare = self.from.trim_start_matches('/');
        match bare.strip_suffix('/') {
            Some(folder) if !folder.is_empty() => vec![
                bare.to_string(),
                folder.to_string(),
                format!("{bare}index.html"),
            ],
            _ => vec![bare.to_string()],
        }
    }
}

/// What the edge must add to the static website: the headers on every response, and the
/// redirects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeRules {
    /// Sent with every response.
    pub headers: Vec<Header>,
    /// 301s, in the site's order.
    pub redirects: Vec<Redirect>,
}

impl EdgeRules {
    /// The rules for `site`.
    pub fn of(site: &Site) -> EdgeRules {
        let redirects = site
            .outputs
            .iter()
            .filter_map(|output| match &output.route {
                Route::Redirect { to } => Some(Redirect {
                    from: output.url.clone(),
                    to: to.clone(),
                }),
                _ => None,
            })
            .collect();
        EdgeRules {
            headers: security_headers(&site.config),
            redirects,
        }
    }
}

/// The security headers for a site with `config`, in a stable order.
pub fn security_headers(config: &Config) -> Vec<Header> {
    let meta = crate::render::csp::Policy::new(&config.security).to_header_value();
    let header = |name, value: &str| Header {
        name,
        value: value.to_string(),
    };
    vec![
        header(
            "Content-Security-Policy",
            &format!("{meta}; frame-ancestors 'none'"),
        ),
        header("Strict-Transport-Security", HSTS),
        header("X-Content-Type-Options", "nosniff"),
        header("Referrer-Policy", REFERRER_POLICY),
        header("Permissions-Policy", PERMISSIONS_POLICY),
    ]
}

/// The name of the `index`-th rule set (from 0): the name asked for, then `name2`, `name3`…
/// when the redirects need more than one set.
fn rule_set_name(base: &str, index: usize) -> String {
    if index == 0 {
        base.to_string()
    } else {
        format!("{base}{}", index + 1)
    }
}

/// The redirects in rule sets: the first set also holds the headers rule.
fn redirect_sets(redirects: &[Redirect]) -> Vec<&[Redirect]> {
    let first = redirects.len().min(RULES_PER_SET - 1);
    let (head, tail) = redirects.split_at(first);
    let mut sets = vec![head];
    sets.extend(tail.chunks(RULES_PER_SET));
    sets
}

#[cfg(test)]
mod tests;

/// The files `pamphlet headers --front-door` writes into its folder.
pub const TEMPLATE_FILE: &str = "front-door-rules.json";
/// The script beside the template.
pub const SCRIPT_FILE: &str = "front-door-rules.sh";

/// Writes the rule set for the site titled `title` into `dir` (made if missing) as
/// [`TEMPLATE_FILE`] and an executable [`SCRIPT_FILE`], returning their paths.
pub fn write(
    dir: &std::path::Path,
    rules: &EdgeRules,
    title: &str,
) -> std::io::Result<[std::path::PathBuf; 2]> {
    std::fs::create_dir_all(dir)?;
    let template = dir.join(TEMPLATE_FILE);
    let mut json =
        serde_json::to_string_pretty(&arm::template(rules)).map_err(std::io::Error::other)?;
    json.push('\n');
    std::fs::write(&template, json)?;
    let script = dir.join(SCRIPT_FILE);
    std::fs::write(&script, az::script(rules, title))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok([template, script])
}
