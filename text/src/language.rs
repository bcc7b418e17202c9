//! The languages the kiosk speaks: on screen, on paper and in its configuration.

use serde::{Deserialize, Serialize};

/// A language of the kiosk. Bahasa Indonesia is the default, restored for every new
/// citizen; the labels are the configuration's (`language = "id"`) and ISO 639-1 codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Bahasa Indonesia.
    #[default]
    Id,
    /// English.
    En,
}

impl Language {
    /// Every language, in the order the language switch offers them.
    pub const ALL: [Language; 2] = [Language::Id, Language::En];

    /// The label used in configuration files and by the UI (`"id"`, `"en"`).
    pub fn code(self) -> &'static str {
        match self {
            Language::Id => "id",
            Language::En => "en",
        }
    }

    /// The language a label names, if any.
    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Picks the Indonesian or the English wording.
    pub fn pick<'a>(self, id: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::Id => id,
            Language::En => en,
        }
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_through_code_and_serde() {
        for l in Language::ALL {
            assert_eq!(Language::from_code(l.code()), Some(l));
            let json = serde_json::to_string(&l).unwrap();
            assert_eq!(json, format!("\"{}\"", l.code()));
            assert_eq!(serde_json::from_str::<Language>(&json).unwrap(), l);
        }
        assert_eq!(Language::from_code("fr"), None);
        assert_eq!(Language::default(), Language::Id);
    }

    #[test]
    fn picks_the_wording_of_its_language() {
        assert_eq!(Language::Id.pick("halaman", "page"), "halaman");
        assert_eq!(Language::En.pick("halaman", "page"), "page");
    }
}
