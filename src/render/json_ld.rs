//! The schema.org JSON-LD in each page's head, as typed structs: a post's `BlogPosting`, any
//! other page's `WebPage`. Fields are declared in byte order of their names, the order they had
//! when this was built from a sorted `serde_json::Value`, so the bytes stay the same.

use serde::Serialize;

use super::escape;

/// A post.
#[derive(Debug, Serialize)]
pub(super) struct BlogPosting<'a> {
    #[serde(rename = "@context")]
    pub(super) context: &'static str,
    #[serde(rename = "@type")]
    pub(super) kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) author: Vec<Person<'a>>,
    #[serde(rename = "dateModified", skip_serializing_if = "Option::is_none")]
    pub(super) date_modified: Option<String>,
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    pub(super) date_published: Option<String>,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) description: &'a str,
    pub(super) headline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) image: Option<&'a str>,
    #[serde(rename = "inLanguage")]
    pub(super) in_language: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) keywords: &'a str,
    #[serde(rename = "mainEntityOfPage")]
    pub(super) main_entity_of_page: &'a str,
    pub(super) publisher: Named<'a>,
    pub(super) url: &'a str,
}

/// Any page but a post.
#[derive(Debug, Serialize)]
pub(super) struct WebPage<'a> {
    #[serde(rename = "@context")]
    pub(super) context: &'static str,
    #[serde(rename = "@type")]
    pub(super) kind: &'static str,
    #[serde(rename = "isPartOf")]
    pub(super) is_part_of: Named<'a>,
    pub(super) name: &'a str,
    pub(super) url: &'a str,
}

/// An author.
#[derive(Debug, Serialize)]
pub(super) struct Person<'a> {
    #[serde(rename = "@type")]
    pub(super) kind: &'static str,
    pub(super) name: &'a str,
}

/// The site, as publisher or whole: a type, a name and an address.
#[derive(Debug, Serialize)]
pub(super) struct Named<'a> {
    #[serde(rename = "@type")]
    pub(super) kind: &'static str,
    pub(super) name: &'a str,
    pub(super) url: &'a str,
}

/// Where every schema.org document says its vocabulary comes from.
pub(super) const CONTEXT: &str = "https://schema.org";

/// `data` as JSON safe inside a `<script>` element.
pub(super) fn for_script<T: Serialize>(data: &T) -> String {
    // Plain structs of strings always serialize.
    escape::inert_json(serde_json::to_string(data).unwrap_or_default())
}
