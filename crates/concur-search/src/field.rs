//! PubMed's search field tags, short and long, and what each searches in concur.

use serde::Serialize;

/// A search field, as a PubMed tag names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// No tag: every field (concur does not map terms automatically; see `docs/search.md`).
    All,
    /// `[tiab]`: title, abstract and author keywords.
    TiAb,
    /// `[ti]`: title.
    Ti,
    /// `[ab]`: abstract.
    Ab,
    /// `[au]`: any author, "last initials" with automatic truncation.
    Au,
    /// `[1au]`: the first author.
    FirstAu,
    /// `[lastau]`: the last author.
    LastAu,
    /// `[ad]`: affiliations.
    Ad,
    /// `[ta]`: the journal (abbreviation or full title).
    Ta,
    /// `[mh]`: MeSH headings, with the narrower headings when a MeSH tree is known.
    Mh,
    /// `[mh:noexp]`: the MeSH heading itself only.
    MhNoExp,
    /// `[majr]`: MeSH headings that are a major topic, exploded like `[mh]`.
    Majr,
    /// `[majr:noexp]`: major-topic headings, not exploded.
    MajrNoExp,
    /// `[sh]`: MeSH subheadings (qualifiers).
    Sh,
    /// `[pt]`: publication type.
    Pt,
    /// `[la]`: language.
    La,
    /// `[dp]`: publication date, a day, month, year or a range.
    Dp,
    /// `[tw]`: text words: title, abstract, keywords, MeSH headings and subheadings, publication
    /// types.
    Tw,
    /// `[ot]`: other terms (author keywords).
    Ot,
    /// `[pmid]`: PubMed id.
    Pmid,
    /// `[doi]`: DOI.
    Doi,
}

/// Every tag concur reads, lower-cased, with its field: PubMed's short and long forms.
const TAGS: &[(&str, Field)] = &[
    ("all", Field::All),
    ("all fields", Field::All),
    ("tiab", Field::TiAb),
    ("title/abstract", Field::TiAb),
    ("ti", Field::Ti),
    ("title", Field::Ti),
    ("ab", Field::Ab),
    ("abstract", Field::Ab),
    ("au", Field::Au),
    ("author", Field::Au),
    ("1au", Field::FirstAu),
    ("author - first", Field::FirstAu),
    ("first author", Field::FirstAu),
    ("lastau", Field::LastAu),
    ("author - last", Field::LastAu),
    ("last author", Field::LastAu),
    ("ad", Field::Ad),
    ("affiliation", Field::Ad),
    ("ta", Field::Ta),
    ("journal", Field::Ta),
    ("jour", Field::Ta),
    ("mh", Field::Mh),
    ("mesh", Field::Mh),
    ("mesh terms", Field::Mh),
    ("mh:noexp", Field::MhNoExp),
    ("mesh:noexp", Field::MhNoExp),
    ("mesh terms:noexp", Field::MhNoExp),
    ("majr", Field::Majr),
    ("mesh major topic", Field::Majr),
    ("majr:noexp", Field::MajrNoExp),
    ("mesh major topic:noexp", Field::MajrNoExp),
    ("sh", Field::Sh),
    ("mesh subheading", Field::Sh),
    ("subheading", Field::Sh),
    ("pt", Field::Pt),
    ("publication type", Field::Pt),
    ("la", Field::La),
    ("lang", Field::La),
    ("language", Field::La),
    ("dp", Field::Dp),
    ("pdat", Field::Dp),
    ("publication date", Field::Dp),
    ("date - publication", Field::Dp),
    ("tw", Field::Tw),
    ("text word", Field::Tw),
    ("textword", Field::Tw),
    ("ot", Field::Ot),
    ("other term", Field::Ot),
    ("pmid", Field::Pmid),
    ("uid", Field::Pmid),
    ("doi", Field::Doi),
];

impl Field {
    /// The field a tag names (`tiab`, `Title/Abstract`, `MeSH Terms:noexp`), ignoring case and
    /// spaces around it.
    pub fn from_tag(tag: &str) -> Option<Field> {
        let tag = tag.trim().to_lowercase();
        let tag = tag.split_whitespace().collect::<Vec<_>>().join(" ");
        TAGS.iter().find(|(t, _)| *t == tag).map(|(_, f)| *f)
    }

    /// The tags a reviewer may write, short forms first (for messages).
    pub fn short_tags() -> impl Iterator<Item = &'static str> {
        TAGS.iter()
            .map(|(t, _)| *t)
            .filter(|t| !t.contains(' ') && !t.contains('/'))
    }

    /// PubMed's long name of the field, as its translations print it.
    pub fn long_name(self) -> &'static str {
        match self {
            Field::All => "All Fields",
            Field::TiAb => "Title/Abstract",
            Field::Ti => "Title",
            Field::Ab => "Abstract",
            Field::Au => "Author",
            Field::FirstAu => "Author - First",
            Field::LastAu => "Author - Last",
            Field::Ad => "Affiliation",
            Field::Ta => "Journal",
            Field::Mh => "MeSH Terms",
            Field::MhNoExp => "MeSH Terms:noexp",
            Field::Majr => "MeSH Major Topic",
            Field::MajrNoExp => "MeSH Major Topic:noexp",
            Field::Sh => "MeSH Subheading",
            Field::Pt => "Publication Type",
            Field::La => "Language",
            Field::Dp => "Date - Publication",
            Field::Tw => "Text Word",
            Field::Ot => "Other Term",
            Field::Pmid => "PMID",
            Field::Doi => "DOI",
        }
    }

    /// Whether the field's values are words in running text (phrases, truncation and proximity
    /// apply to words) rather than whole values such as a heading or a language.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Field::All | Field::TiAb | Field::Ti | Field::Ab | Field::Ad | Field::Tw | Field::Ot
        )
    }

    /// Whether PubMed allows proximity searching in the field (`[tiab:~N]`, `[ti:~N]`,
    /// `[ad:~N]`); concur also allows it in `[ab]`.
    pub fn allows_proximity(self) -> bool {
        matches!(self, Field::TiAb | Field::Ti | Field::Ab | Field::Ad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_short_tags_name_the_same_field() {
        assert_eq!(Field::from_tag("Title/Abstract"), Some(Field::TiAb));
        assert_eq!(Field::from_tag(" tiab "), Some(Field::TiAb));
        assert_eq!(Field::from_tag("MeSH  Terms"), Some(Field::Mh));
        assert_eq!(Field::from_tag("mh:NOEXP"), Some(Field::MhNoExp));
        assert_eq!(Field::from_tag("Publication Type"), Some(Field::Pt));
        assert_eq!(Field::from_tag("tiab:~3"), None);
        assert_eq!(Field::from_tag("xx"), None);
    }

    #[test]
    fn every_field_has_a_tag_and_its_long_name_reads_back() {
        for (_, f) in TAGS {
            assert_eq!(Field::from_tag(f.long_name()), Some(*f), "{f:?}");
        }
    }
}
