//! The storage account's static website settings (Blob service properties): whether `$web` is
//! served at all, and whether folders and missing pages find `index.html` and `404.html`. A
//! deploy to a website that is off, or that looks for other file names, uploads a site nobody
//! can read whole; deploy says so, and `--configure` sets them.

/// The index document every folder of the output holds.
pub(super) const INDEX_DOCUMENT: &str = "index.html";
/// The error page the build writes.
pub(super) const ERROR_DOCUMENT: &str = "404.html";

/// The `<StaticWebsite>` part of the account's Blob service properties.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Website {
    /// Whether the account serves `$web` at its web endpoint.
    pub(super) enabled: bool,
    /// The index document name, if one is set.
    pub(super) index: Option<String>,
    /// The error document path, if one is set.
    pub(super) error_404: Option<String>,
}

impl Website {
    /// Reads the settings out of a Get Blob Service Properties reply; absent means off.
    pub(super) fn from_properties(xml: &str) -> Website {
        let Some(part) = element(xml, "StaticWebsite") else {
            return Website::default();
        };
        let text = |name: &str| element(part, name).map(|t| t.trim().to_string());
        Website {
            enabled: text("Enabled").is_some_and(|t| t.eq_ignore_ascii_case("true")),
            index: text("IndexDocument").filter(|t| !t.is_empty()),
            error_404: text("ErrorDocument404Path").filter(|t| !t.is_empty()),
        }
    }

    /// What is wrong with these settings for a pamphlet site, each as a clause.
    pub(super) fn problems(&self) -> Vec<String> {
        if !self.enabled {
            return vec![
                "the storage account's static website is off, so nothing in `$web` is served"
                    .into(),
            ];
        }
        let mut problems = Vec::new();
        if self.index.as_deref() != Some(INDEX_DOCUMENT) {
            problems.push(format!(
                "the static website's index document is {}, not {INDEX_DOCUMENT}, so addresses such as /blog/ find no page",
                shown(self.index.as_deref())
            ));
        }
        if self.error_404.as_deref() != Some(ERROR_DOCUMENT) {
            problems.push(format!(
                "the static website's error document is {}, not {ERROR_DOCUMENT}, so a missing page does not get the site's 404 page",
                shown(self.error_404.as_deref())
            ));
        }
        problems
    }
}

/// The Set Blob Service Properties body that turns the website on with pamphlet's file names.
/// Elements left out keep their settings, so logging, metrics and CORS are untouched.
pub(super) fn configured_properties() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties><StaticWebsite><Enabled>true</Enabled><IndexDocument>{INDEX_DOCUMENT}</IndexDocument><ErrorDocument404Path>{ERROR_DOCUMENT}</ErrorDocument404Path></StaticWebsite></StorageServiceProperties>"
    )
}

/// How to fix the settings by hand, for a note.
pub(super) fn fix(account: &str) -> String {
    format!(
        "run `pamphlet deploy --configure`, or `az storage blob service-properties update --account-name {account} --static-website --index-document {INDEX_DOCUMENT} --404-document {ERROR_DOCUMENT}`"
    )
}

fn shown(value: Option<&str>) -> String {
    match value {
        Some(v) => format!("`{v}`"),
        None => "not set".into(),
    }
}

/// The text between `<name>` and `</name>`, the first time it appears.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&close)?;
    Some(&xml[start..start + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_from_azures_reply() {
        let on = "<?xml version=\"1.0\"?><StorageServiceProperties><Logging><Version>1.0</Version></Logging><StaticWebsite><Enabled>true</Enabled><IndexDocument>index.html</IndexDocument><ErrorDocument404Path>404.html</ErrorDocument404Path></StaticWebsite></StorageServiceProperties>";
        let website = Website::from_properties(on);
        assert!(website.enabled);
        assert!(website.problems().is_empty(), "{:?}", website.problems());
        assert_eq!(Website::from_properties(&configured_properties()), website);

        let off = "<StorageServiceProperties><StaticWebsite><Enabled>false</Enabled></StaticWebsite></StorageServiceProperties>";
        let problems = Website::from_properties(off).problems();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("is off"), "{problems:?}");
        assert!(!Website::from_properties("<StorageServiceProperties/>").enabled);
    }

    #[test]
    fn other_file_names_are_each_a_problem() {
        let website = Website {
            enabled: true,
            index: Some("default.htm".into()),
            error_404: None,
        };
        let problems = website.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("`default.htm`, not index.html"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("not set, not 404.html"),
            "{problems:?}"
        );
    }
}
