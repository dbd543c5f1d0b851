//! Why an image could not be made into a picture, in words a writer can act on.

use std::fmt;
use std::path::Path;

use crate::diagnostic::Diagnostic;

/// One sentence naming what is wrong with one image file ("photo.jpg is truncated"), and
/// maybe what to do. The caller adds the file's path and the markdown line that uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageProblem {
    /// What is wrong, naming the file by its name.
    pub message: String,
    /// What to do about it, when there is something to say.
    pub help: Option<String>,
}

impl ImageProblem {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ImageProblem {
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The problem as a warning without a location yet: an image that cannot be processed
    /// is published as it is, so it never fails a build.
    pub fn to_warning(&self) -> Diagnostic {
        let warning = Diagnostic::warning(&self.message);
        match &self.help {
            Some(help) => warning.help(help),
            None => warning,
        }
    }
}

impl fmt::Display for ImageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ImageProblem {}

/// The name a problem calls a file by: its last component, as the writer sees it in the
/// bundle folder (the caller adds the full path).
pub(crate) fn file_name(source: &Path) -> String {
    match source.file_name() {
        Some(name) => name.to_string_lossy().into_owned(),
        None => source.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_becomes_a_warning_with_its_help() {
        let problem = ImageProblem::new("photo.jpg is truncated").with_help("export it again");
        let warning = problem
            .to_warning()
            .in_file("content/x/photo.jpg")
            .at_line(3);
        assert!(!warning.is_error());
        assert_eq!(
            warning.to_string(),
            "content/x/photo.jpg:3: warning: photo.jpg is truncated\n  help: export it again"
        );
        assert_eq!(file_name(Path::new("a/b/photo.jpg")), "photo.jpg");
    }
}
