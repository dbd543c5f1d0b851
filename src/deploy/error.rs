//! Why a deploy failed: each reason is one sentence that says what to do next, and none of them
//! ever holds a secret (object_store's own messages carry URLs and server replies, so they are
//! classified here and never shown raw).

use std::error::Error as _;
use std::path::PathBuf;

use object_store::client::{HttpError, HttpErrorKind};

/// A deploy that could not start or could not finish.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The output folder is missing.
    #[error("{} does not exist; run `pamphlet build` first", .0.display())]
    NoOutput(PathBuf),
    /// The output folder has no files, which with `--delete` would empty the live site.
    #[error("{} holds no files; run `pamphlet build` first", .0.display())]
    EmptyOutput(PathBuf),
    /// A local file could not be read.
    #[error("cannot read {} ({reason})", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// `site.toml` or the environment asks for something impossible.
    #[error("{0}")]
    Config(String),
    /// The storage account refused the credentials.
    #[error("storage account `{account}` refused the credentials ({code}); check {hint}")]
    Denied {
        /// The account name.
        account: String,
        /// Azure's error code, or the HTTP status.
        code: String,
        /// Where the secret came from and what to check about it.
        hint: String,
    },
    /// Entra ID, the managed identity endpoint or the Azure CLI gave no token.
    #[error("signing in as {identity} failed: {reason}")]
    SignIn {
        /// Who was signing in, and from which variables: never a secret.
        identity: String,
        /// Why, already redacted.
        reason: String,
    },
    /// The token was good but the identity may not write to the container.
    #[error(
        "storage account `{account}` refused {identity} ({code}); it needs the Storage Blob Data Contributor role on container `{container}`: `az role assignment create --role \"Storage Blob Data Contributor\" --assignee {assignee} --scope <the storage account's resource id>/blobServices/default/containers/{container}`"
    )]
    RoleMissing {
        /// The account name.
        account: String,
        /// The container name.
        container: String,
        /// Who was refused.
        identity: String,
        /// What `--assignee` takes for it.
        assignee: String,
        /// Azure's error code, such as `AuthorizationPermissionMismatch`.
        code: String,
    },
    /// The container does not exist.
    #[error(
        "container `{container}` does not exist in storage account `{account}`; turn on the account's static website (which creates `$web`) or fix `container` under [deploy] in site.toml"
    )]
    NoContainer {
        /// The account name.
        account: String,
        /// The container name.
        container: String,
    },
    /// Nothing answered at the endpoint.
    #[error(
        "cannot reach the blob endpoint {endpoint} ({reason}); check `endpoint` and `account` under [deploy] in site.toml and the network"
    )]
    Unreachable {
        /// The endpoint URL, which never holds a secret.
        endpoint: String,
        /// What went wrong, such as `connection refused`.
        reason: String,
    },
    /// A request failed for another reason.
    #[error("{action} failed ({reason})")]
    Remote {
        /// What was being done, such as "listing container `$web`".
        action: String,
        /// Why, already redacted.
        reason: String,
    },
    /// SIGINT or SIGTERM asked the deploy to stop; the uploads in flight finished.
    #[error(
        "stopped by a signal (Ctrl-C or SIGTERM) before any upload finished; nothing was changed"
    )]
    Signalled,
    /// A failure after some uploads had finished.
    #[error(
        "the deploy stopped after {done} of {total} uploads because {cause}, and nothing was deleted; the live site still serves whole pages, and running `pamphlet deploy` again finishes the job"
    )]
    Stopped {
        /// What went wrong, as a clause.
        cause: String,
        /// Uploads that finished.
        done: usize,
        /// Uploads planned.
        total: usize,
    },
}

impl DeployError {
    /// This failure as a clause that fits after "because", for folding into a larger sentence.
    pub(crate) fn cause(&self) -> String {
        match self {
            DeployError::Denied { code, .. } => {
                format!("the storage account refused the credentials ({code})")
            }
            DeployError::RoleMissing { identity, code, .. } => {
                format!("the storage account refused {identity} ({code})")
            }
            DeployError::NoContainer { container, .. } => {
                format!("container `{container}` is gone")
            }
            DeployError::Unreachable { reason, .. } => {
                format!("the blob endpoint stopped answering ({reason})")
            }
            DeployError::Remote { action, reason } => format!("{action} failed ({reason})"),
            DeployError::Stopped { cause, .. } => cause.clone(),
            DeployError::Signalled => "a signal (Ctrl-C or SIGTERM) asked it to stop".into(),
            other => other.to_string(),
        }
    }
}

/// What kind of failure an object_store error is, with only safe details kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cause {
    /// No token: why, from the token endpoint's answer or the Azure CLI (to be redacted).
    SignIn(String),
    /// 401 or 403, with Azure's error code.
    Denied(String),
    /// 404, with Azure's error code.
    NotFound(String),
    /// Could not connect: refused, no route, name not found.
    Connect(String),
    /// The request timed out, every retry included.
    Timeout,
    /// Any other HTTP status, with Azure's error code or the status.
    Status(String),
    /// Anything else, as object_store describes it (to be redacted before showing).
    Other(String),
}

/// Sorts an object_store error into a [`Cause`].
pub(crate) fn classify(error: &object_store::Error) -> Cause {
    if let Some(reason) = sign_in_failure(error) {
        return Cause::SignIn(reason);
    }
    let text = error.to_string();
    let code = azure_code(&text);
    match error {
        object_store::Error::Unauthenticated { .. }
        | object_store::Error::PermissionDenied { .. } => {
            return Cause::Denied(code.unwrap_or_else(|| "access denied".into()));
        }
        object_store::Error::NotFound { .. } => {
            return Cause::NotFound(code.unwrap_or_else(|| "not found".into()));
        }
        _ => {}
    }
    let mut source = error.source();
    while let Some(e) = source {
        if let Some(http) = e.downcast_ref::<HttpError>() {
            match http.kind() {
                HttpErrorKind::Connect => return Cause::Connect(io_reason(http)),
                HttpErrorKind::Timeout => return Cause::Timeout,
                _ => {}
            }
        }
        source = e.source();
    }
    // Listing errors arrive as Generic, their status only in the text.
    let status = http_status(&text);
    let class = status.as_deref().and_then(|s| s.get(..3));
    match (class, code) {
        (Some("401" | "403"), code) => Cause::Denied(code.or(status).unwrap_or_default()),
        (Some("404"), code) => Cause::NotFound(code.or(status).unwrap_or_default()),
        (_, Some(code)) => Cause::Status(code),
        (Some(_), None) => Cause::Status(status.unwrap_or_default()),
        (None, None) => Cause::Other(innermost(error)),
    }
}

/// Why no token came, when that is what failed: object_store's credential errors are private
/// types, so they are known by the words their messages begin with.
fn sign_in_failure(error: &object_store::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        let text = e.to_string();
        if text.starts_with("Error performing token request") {
            return Some(token_request_failure(e, &text));
        }
        if text.starts_with("Error getting token response body") {
            return Some("the token endpoint's answer holds no token".into());
        }
        if text.starts_with("Error reading federated token file") {
            return Some("the federated token file cannot be read".into());
        }
        if let Some(message) = text.strip_prefix("'az account get-access-token' command failed:") {
            let first = message.trim().lines().next().unwrap_or("no reason given");
            return Some(format!(
                "`az account get-access-token` failed ({first}); run `az login`"
            ));
        }
        if text.starts_with("Failed to parse azure cli response") {
            return Some("the Azure CLI's token could not be read; update the Azure CLI".into());
        }
        source = e.source();
    }
    None
}

/// A token endpoint's refusal in its own words (`error_description`, as Entra ID and the
/// instance metadata service give it), its status, or why it could not be reached.
fn token_request_failure(error: &dyn std::error::Error, text: &str) -> String {
    if let Some(description) = json_string(text, "error_description") {
        return first_sentence(&description);
    }
    if let Some(status) = http_status(text) {
        return format!("the token endpoint answered {status}");
    }
    let mut source = error.source();
    while let Some(e) = source {
        if let Some(http) = e.downcast_ref::<HttpError>()
            && http.kind() == HttpErrorKind::Connect
        {
            return format!("the token endpoint did not answer ({})", io_reason(http));
        }
        source = e.source();
    }
    "the token endpoint could not be reached".into()
}

/// A token endpoint's `error_description` cut to its first sentence: Entra appends trace and
/// correlation ids and a timestamp after it.
pub(crate) fn first_sentence(text: &str) -> String {
    let first = text.split(". ").next().unwrap_or(text);
    first.trim_end_matches('.').chars().take(300).collect()
}

/// The string value of `"key":"..."` in a JSON reply quoted inside an error message.
pub(crate) fn json_string(text: &str, key: &str) -> Option<String> {
    let marker = format!("\"{key}\"");
    let after = &text[text.find(&marker)? + marker.len()..];
    let value = after
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    None
}

/// The operating system's reason under a connection error, such as `connection refused`.
fn io_reason(error: &HttpError) -> String {
    let mut source = error.source();
    let mut reason = None;
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            // An OS error reads best as its kind; a resolver's error only has its message.
            reason = Some(match io.raw_os_error() {
                Some(_) => io.kind().to_string(),
                None => io.to_string(),
            });
        }
        source = e.source();
    }
    reason.unwrap_or_else(|| "connection failed".into())
}

/// The deepest message in an error's chain: the one that names the actual problem.
fn innermost(error: &object_store::Error) -> String {
    let mut last: &dyn std::error::Error = error;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// Azure's machine-readable error code, such as `AuthenticationFailed`, from a reply's body.
pub(crate) fn azure_code(text: &str) -> Option<String> {
    let start = text.find("<Code>")? + "<Code>".len();
    let len = text[start..].find("</Code>")?;
    let code = &text[start..start + len];
    (!code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric())).then(|| code.to_string())
}

/// The HTTP status object_store puts in its messages, such as `500 Internal Server Error`.
fn http_status(text: &str) -> Option<String> {
    let marker = "status code: ";
    let start = text.find(marker)? + marker.len();
    let rest = &text[start..];
    let end = rest.find(':').unwrap_or(rest.len());
    let status = rest[..end].trim();
    status
        .starts_with(|c: char| c.is_ascii_digit())
        .then(|| status.to_string())
}

/// Removes secrets from text about to be shown: each known secret, and any SAS signature.
pub(crate) fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret.as_str(), "[redacted]");
        let encoded =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        out = out.replace(&encoded, "[redacted]");
    }
    // A SAS token's signature, however it reached the text.
    let mut cleaned = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(at) = rest.find("sig=") {
        cleaned.push_str(&rest[..at + 4]);
        rest = &rest[at + 4..];
        let end = rest
            .find(|c: char| matches!(c, '&' | '"' | '\'' | ')') || c.is_whitespace())
            .unwrap_or(rest.len());
        cleaned.push_str("[redacted]");
        rest = &rest[end..];
    }
    cleaned.push_str(rest);
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses() {
        assert_eq!(
            azure_code("... <Error><Code>ContainerNotFound</Code><Message>x"),
            Some("ContainerNotFound".into())
        );
        assert_eq!(azure_code("<Code>a b</Code>"), None);
        assert_eq!(azure_code("nothing"), None);
        assert_eq!(
            http_status("Server returned non-2xx status code: 500 Internal Server Error: body"),
            Some("500 Internal Server Error".into())
        );
    }

    #[test]
    fn a_token_endpoints_refusal_is_its_first_sentence() {
        let text = r#"Server returned non-2xx status code: 401 Unauthorized: {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent. Trace ID: 1","error_codes":[7000215]}"#;
        assert_eq!(
            json_string(text, "error_description").as_deref(),
            Some(
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent. Trace ID: 1"
            )
        );
        let io = std::io::Error::other(text);
        assert_eq!(
            token_request_failure(&io, text),
            "AADSTS7000215: Invalid client secret provided"
        );
        let bare = "Server returned non-2xx status code: 500 Internal Server Error: ";
        assert_eq!(
            token_request_failure(&std::io::Error::other(bare), bare),
            "the token endpoint answered 500 Internal Server Error"
        );
        assert_eq!(json_string(r#"{"a":"x\"y"}"#, "a").as_deref(), Some("x\"y"));
        assert_eq!(json_string(r#"{"a": 1}"#, "a"), None);
    }

    #[test]
    fn redaction() {
        let secrets = vec!["c2VjcmV0a2V5PT0=".to_string()];
        let text = "key c2VjcmV0a2V5PT0= and c2VjcmV0a2V5PT0%3D in url?sv=1&sig=abc%2Fdef&se=2 end sig=xyz";
        let out = redact(text, &secrets);
        assert!(!out.contains("c2VjcmV0a2V5PT0"), "{out}");
        assert!(!out.contains("abc"), "{out}");
        assert!(!out.contains("xyz"), "{out}");
        assert!(out.contains("&se=2"), "{out}");
    }

    #[test]
    fn messages_are_one_sentence() {
        let e = DeployError::NoOutput(PathBuf::from("site/public"));
        assert_eq!(
            e.to_string(),
            "site/public does not exist; run `pamphlet build` first"
        );
        let e = DeployError::Unreachable {
            endpoint: "http://127.0.0.1:1/devstoreaccount1".into(),
            reason: "connection refused".into(),
        };
        assert!(!e.to_string().contains('\n'));
    }
}
