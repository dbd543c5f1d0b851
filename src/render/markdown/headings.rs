//! Headings: unique ids, and the table of contents they make.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// One heading of a page's table of contents, with the headings below it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TocEntry {
    /// 1 to 6.
    pub level: u8,
    /// The heading's `id`.
    pub id: String,
    /// The heading as plain text.
    pub title: String,
    /// Lower-level headings under this one.
    pub children: Vec<TocEntry>,
}

/// A heading as found, before nesting.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Heading {
    level: u8,
    id: String,
    title: String,
}

/// The ids given so far and the headings of the table of contents.
#[derive(Default)]
pub(super) struct Headings {
    ids: HashSet<String>,
    found: Vec<Heading>,
}

impl Headings {
    /// An id not given yet: `base`, else `base-1`, `base-2`, …; `section` for an empty base.
    pub(super) fn unique_id(&mut self, base: String) -> String {
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let mut id = base.clone();
        let mut n = 1;
        while !self.ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    /// Adds a heading to the table of contents.
    pub(super) fn push(&mut self, level: u8, id: String, title: String) {
        self.found.push(Heading { level, id, title });
    }

    /// The table of contents: each heading nested under the nearest preceding one of a higher
    /// level.
    pub(super) fn toc(&self) -> Vec<TocEntry> {
        let mut index = 0;
        let mut out = Vec::new();
        while index < self.found.len() {
            out.extend(nest(&self.found, &mut index, 0));
        }
        out
    }
}

fn nest(items: &[Heading], index: &mut usize, parent_level: u8) -> Vec<TocEntry> {
    let mut out = Vec::new();
    while let Some(heading) = items.get(*index) {
        if heading.level <= parent_level {
            break;
        }
        *index += 1;
        let children = nest(items, index, heading.level);
        out.push(TocEntry {
            level: heading.level,
            id: heading.id.clone(),
            title: heading.title.clone(),
            children,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_made_unique() {
        let mut headings = Headings::default();
        assert_eq!(headings.unique_id("a".into()), "a");
        assert_eq!(headings.unique_id("a".into()), "a-1");
        assert_eq!(headings.unique_id("a".into()), "a-2");
        assert_eq!(headings.unique_id(String::new()), "section");
        assert_eq!(headings.unique_id("a-1".into()), "a-1-1");
    }

    #[test]
    fn the_toc_nests_under_higher_levels_and_survives_skipped_ones() {
        let mut headings = Headings::default();
        for (level, id) in [
            (2, "a"),
            (3, "a1"),
            (4, "deep"),
            (2, "b"),
            (4, "skip"),
            (1, "top"),
        ] {
            headings.push(level, id.into(), id.into());
        }
        let shape: Vec<(String, Vec<String>)> = headings
            .toc()
            .iter()
            .map(|e| {
                (
                    e.id.clone(),
                    e.children.iter().map(|c| c.id.clone()).collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("a".to_string(), vec!["a1".to_string()]),
                ("b".to_string(), vec!["skip".to_string()]),
                ("top".to_string(), vec![]),
            ]
        );
        assert_eq!(headings.toc()[0].children[0].children[0].id, "deep");
    }
}
