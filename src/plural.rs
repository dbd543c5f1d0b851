//! Counts in messages: "1 page", "2 pages", never "1 pages" or "page(s)".

/// `n` with the singular or plural noun it takes: `count(1, "page", "pages")` is `1 page`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_every_other_number_plural() {
        assert_eq!(count(0, "page", "pages"), "0 pages");
        assert_eq!(count(1, "page", "pages"), "1 page");
        assert_eq!(count(2, "file", "files"), "2 files");
    }
}
