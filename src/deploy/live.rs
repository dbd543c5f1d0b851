//! `pamphlet check --live URL`: the deployed site fetched file by file and compared with
//! `public/` and with what deploy stores: status, `Content-Type`, `Content-Encoding`,
//! `Cache-Control`, the bytes themselves, the 404 page, the redirects, and (with `--headers`)
//! the security headers `pamphlet headers` gives the edge.

use std::collections::BTreeMap;
use std::path::PathBuf;

use futures_util::{StreamExt, stream};

use crate::config::DeployConfig;
use crate::front_door::EdgeRules;
use crate::model::url::{encode_path, output_file, url_of};

use super::error::DeployError;
use super::headers::HeaderPolicy;
use super::local::{self, LocalFile, sha256_hex};
use super::progress::Progress;

/// What `check --live` was asked to do.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The site's address, such as `https://www.example.com`.
    pub url: String,
    /// The built site it should serve.
    pub output: PathBuf,
    /// Also compare the security headers with the edge rules'.
    pub headers: bool,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// One difference between the live site and what it should serve.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// The address path it concerns, such as `/blog/a/`.
    pub path: String,
    /// What is wrong, as a clause.
    pub what: String,
}

/// Everything `check --live` found.
#[derive(Debug, Clone)]
pub struct LiveReport {
    /// The address checked.
    pub url: String,
    /// Files fetched, the 404 probe and redirects included.
    pub checked: usize,
    /// The differences, by path.
    pub findings: Vec<Finding>,
    /// The server is `pamphlet serve`, whose deliberate differences were allowed.
    pub preview: bool,
}

impl LiveReport {
    /// The closing line.
    pub fn summary(&self) -> String {
        let findings = crate::plural::count(self.findings.len(), "finding", "findings");
        let preview = match self.preview {
            true => " (pamphlet serve: its no-cache and live-reload script allowed)",
            false => "",
        };
        format!(
            "Checked {} addresses at {}{preview}: {findings}.",
            self.checked, self.url
        )
    }
}

/// What one address should answer.
struct Expected<'a> {
    /// The root-relative address requested.
    address: String,
    file: Option<&'a LocalFile>,
    status: Want,
}

enum Want {
    /// 200 with the file.
    File,
    /// 404 with the 404 page.
    NotFound,
    /// A 301 to this address, or 200 with the file (the page that redirects in the browser).
    Redirect(String),
}

/// Fetches every file of `options.output` from `options.url` and reports each difference.
pub fn check_live(
    options: &LiveOptions,
    config: &DeployConfig,
    rules: &EdgeRules,
) -> Result<LiveReport, DeployError> {
    let url = options.url.trim_end_matches('/').to_string();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(DeployError::Config(format!(
            "--live {url} is not an http(s) address; give the site's address, such as https://www.example.com"
        )));
    }
    let policy = HeaderPolicy::new(&config.cache)?
        .compressing(crate::compress::CompressPolicy::new(&config.compress));
    let files = local::scan(
        &options.output,
        &policy,
        &super::hashes::KnownHashes::none(),
    )?
    .files;
    let expected = expectations(&files, rules);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|_| DeployError::Config("cannot set up an http client".into()))?;
    let runtime = super::network_runtime()?;
    let security = if options.headers {
        rules.headers.as_slice()
    } else {
        &[]
    };
    let fetch = Fetch {
        client: &client,
        url: &url,
        security,
    };
    let (findings, preview) = runtime.block_on(fetch.all(&expected, options.concurrency))?;
    Ok(LiveReport {
        url,
        checked: expected.len(),
        findings,
        preview,
    })
}

/// The addresses to fetch: every file (a folder's `index.html` by its folder), a path that
/// exists nowhere, and the redirects.
fn expectations<'a>(files: &'a [LocalFile], rules: &EdgeRules) -> Vec<Expected<'a>> {
    let by_path: BTreeMap<&str, &LocalFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    let redirects: BTreeMap<String, &str> = rules
        .redirects
        .iter()
        .map(|r| (url_of(&output_file(&r.from)), r.to.as_str()))
        .collect();
    let mut expected: Vec<Expected<'a>> = files
        .iter()
        .map(|file| {
            let address = url_of(&file.path);
            let status = match redirects.get(&address) {
                Some(to) => Want::Redirect((*to).to_string()),
                None => Want::File,
            };
            Expected {
                address,
                file: Some(file),
                status,
            }
        })
        .collect();
    expected.push(Expected {
        address: "/pamphlet-check-live-missing-page/".into(),
        file: by_path.get("404.html").copied(),
        status: Want::NotFound,
    });
    expected
}

/// The requests, sent with bounded concurrency.
struct Fetch<'a> {
    client: &'a reqwest::Client,
    url: &'a str,
    security: &'a [crate::front_door::Header],
}

/// One answer, read whole.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `pamphlet serve`, which sends `no-cache` and adds its live-reload script on purpose.
    fn is_preview(&self) -> bool {
        self.header("server") == Some("pamphlet")
    }
}

impl Fetch<'_> {
    async fn all(
        &self,
        expected: &[Expected<'_>],
        concurrency: usize,
    ) -> Result<(Vec<Finding>, bool), DeployError> {
        let bytes = expected.iter().filter_map(|e| e.file).map(|f| f.size).sum();
        let progress = Progress::new(expected.len(), bytes, "checking");
        let progress_bar = &progress;
        let mut answers = stream::iter(expected)
            .map(move |want| async move {
                let answer = self.get(&want.address).await;
                progress_bar.file_done(want.file.map_or(0, |f| f.size));
                (want, answer)
            })
            .buffer_unordered(concurrency.max(1));
        let mut findings = Vec::new();
        let mut preview = false;
        while let Some((want, answer)) = answers.next().await {
            let answer = answer?;
            preview |= answer.is_preview();
            findings.extend(self.compare(want, &answer));
        }
        progress.finish();
        findings.sort();
        Ok((findings, preview))
    }

    async fn get(&self, address: &str) -> Result<Answer, DeployError> {
        let url = format!("{}{}", self.url, encode_path(address));
        let sent = self
            .client
            .get(&url)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .map_err(|e| {
                let why = if e.is_timeout() {
                    "timed out"
                } else {
                    "no answer"
                };
                DeployError::Config(format!(
                    "cannot reach {url} ({why}); check the address and the network"
                ))
            })?;
        let status = sent.status().as_u16();
        let headers = sent.headers().clone();
        let body = sent.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Every way `answer` differs from `want`.
    fn compare(&self, want: &Expected<'_>, answer: &Answer) -> Vec<Finding> {
        let mut whats = Vec::new();
        let expected_status = match &want.status {
            Want::NotFound => 404,
            Want::File => 200,
            Want::Redirect(to) => match answer.status {
                301 | 308 => {
                    let location = answer.header("location").unwrap_or_default();
                    if !location.ends_with(to.as_str()) {
                        whats.push(format!("redirects to {location}, not {to}"));
                    }
                    answer.status
                }
                _ => 200,
            },
        };
        if answer.status != expected_status {
            whats.push(match (&want.status, answer.status) {
                (Want::NotFound, got) => format!("a missing page answers {got}, not 404"),
                (_, 404) => "missing (404)".into(),
                (_, got) => format!("answers {got}, not {expected_status}"),
            });
        } else if ((200..300).contains(&answer.status) || matches!(want.status, Want::NotFound))
            && let Some(file) = want.file
        {
            whats.extend(file_differences(file, answer));
        }
        whats.extend(self.security_differences(answer));
        whats
            .into_iter()
            .map(|what| Finding {
                path: want.address.clone(),
                what,
            })
            .collect()
    }

    fn security_differences(&self, answer: &Answer) -> Vec<String> {
        self.security
            .iter()
            .filter_map(|header| match answer.header(header.name) {
                None => Some(format!("{} is missing", header.name)),
                Some(got) if got != header.value => Some(format!(
                    "{} is `{got}`, not `{}`",
                    header.name, header.value
                )),
                Some(_) => None,
            })
            .collect()
    }
}

/// How a fetched file differs from the one in the output folder and the headers deploy stores.
fn file_differences(file: &LocalFile, answer: &Answer) -> Vec<String> {
    let mut whats = Vec::new();
    let same = |got: Option<&str>, want: &str| {
        got.is_some_and(|g| {
            g.replace(' ', "")
                .eq_ignore_ascii_case(&want.replace(' ', ""))
        })
    };
    let content_type = answer.header("content-type");
    if !same(content_type, &file.headers.content_type) {
        whats.push(format!(
            "Content-Type is {}, not {}",
            shown(content_type),
            file.headers.content_type
        ));
    }
    let encoding = answer.header("content-encoding");
    let wanted_encoding = file.headers.content_encoding.header();
    if encoding != wanted_encoding {
        whats.push(format!(
            "Content-Encoding is {}, not {}",
            shown(encoding),
            shown(wanted_encoding)
        ));
    }
    let cache_control = answer.header("cache-control");
    if !answer.is_preview() && !same(cache_control, &file.headers.cache_control) {
        whats.push(format!(
            "Cache-Control is {}, not {}",
            shown(cache_control),
            file.headers.cache_control
        ));
    }
    let body = match encoding {
        Some("gzip") => gunzip(&answer.body),
        _ => Some(answer.body.clone()),
    };
    let body = match (answer.is_preview(), body) {
        (true, Some(body)) if crate::content_type::is_html(&file.path) => {
            Some(crate::serve::inject::without_live_reload(&body))
        }
        (_, body) => body,
    };
    match body {
        Some(body) if sha256_hex(&body) == file.sha256 => {}
        Some(body) => whats.push(format!(
            "content differs from {} ({} bytes, not {})",
            file.path,
            body.len(),
            file.size
        )),
        None => whats.push("its gzip body cannot be decoded".into()),
    }
    whats
}

fn shown(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("`{v}`"),
        None => "absent".into(),
    }
}

fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .ok()
        .map(|_| out)
}
