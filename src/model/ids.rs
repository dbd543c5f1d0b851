//! Typed indices into the model's tables, so a page's index can never be used as a section's,
//! and the tables they index.

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// An index into one kind of table.
pub trait Id: Copy {
    /// The id of the item at `index`.
    fn new(index: usize) -> Self;
    /// The item's position in its table.
    fn index(self) -> usize;
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(usize);

        impl Id for $name {
            fn new(index: usize) -> Self {
                $name(index)
            }

            fn index(self) -> usize {
                self.0
            }
        }
    )*};
}

ids! {
    /// A page of [`super::Site::pages`].
    PageId;
    /// A section of [`super::Site::sections`].
    SectionId;
    /// A taxonomy (tags or categories) of [`super::Site::taxonomies`].
    TaxonomyId;
    /// A term of one taxonomy's [`super::Taxonomy::terms`].
    TermId;
    /// A list of pages (home, section or term) of [`super::Site::lists`].
    ListId;
}

impl SectionId {
    /// The root section, `content/` itself: always the first.
    pub const ROOT: SectionId = SectionId(0);
}

/// A table whose items are found by a typed id rather than a bare index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdVec<I, T> {
    items: Vec<T>,
    id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> IdVec<I, T> {
    /// An empty table.
    pub fn new() -> Self {
        Self::from(Vec::new())
    }

    /// Adds an item; returns its id.
    pub fn push(&mut self, item: T) -> I {
        self.items.push(item);
        I::new(self.items.len() - 1)
    }

    /// The item `id`, if the table has it.
    pub fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.index())
    }

    /// How many items there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The items in order, to change.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// Every id, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + ExactSizeIterator + use<I, T> {
        (0..self.items.len()).map(I::new)
    }

    /// Every item with its id, in order.
    pub fn enumerate(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + ExactSizeIterator {
        self.items.iter().enumerate().map(|(i, t)| (I::new(i), t))
    }

    /// The items as a slice, for parallel iteration (positions are the ids' indices).
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// The items as a slice to change, for parallel iteration (positions are the ids' indices).
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.items
    }

    /// The items, without their ids, for parallel iteration by value.
    pub fn into_vec(self) -> Vec<T> {
        self.items
    }
}

impl<I: Id, T> Default for IdVec<I, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<I: Id, T> From<Vec<T>> for IdVec<I, T> {
    fn from(items: Vec<T>) -> Self {
        IdVec {
            items,
            id: PhantomData,
        }
    }
}

impl<I: Id, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        Self::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<I: Id, T> Index<I> for IdVec<I, T> {
    type Output = T;

    fn index(&self, id: I) -> &T {
        &self.items[id.index()]
    }
}

impl<I: Id, T> IndexMut<I> for IdVec<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.items[id.index()]
    }
}

impl<'a, I: Id, T> IntoIterator for &'a IdVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<I: Id, T> IntoIterator for IdVec<I, T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_find_what_push_returned() {
        let mut pages: IdVec<PageId, &str> = IdVec::new();
        let a = pages.push("a");
        let b = pages.push("b");
        assert_eq!((pages[a], pages[b]), ("a", "b"));
        assert_eq!(pages.ids().collect::<Vec<_>>(), [a, b]);
        assert_eq!(pages.enumerate().map(|(id, _)| id).next_back(), Some(b));
        assert_eq!(pages.get(PageId::new(2)), None);
    }
}
