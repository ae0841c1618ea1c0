//! The small profile the app keeps outside engagement files: who the user
//! is, the interface language, and recently opened engagements. One JSON
//! file in the data folder, replaced atomically on every save.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Profile {
    /// The name recorded on every change the user makes.
    #[serde(default)]
    pub name: String,
    /// The interface language. A language this version does not know (a
    /// profile written by hand or by a later version) reads as Japanese.
    #[serde(default, deserialize_with = "lenient_lang")]
    pub lang: Lang,
    #[serde(default)]
    pub recent: Vec<RecentEngagement>,
    /// Shown beside sign-offs (e.g. "HS").
    #[serde(default)]
    pub initials: String,
    /// The user's usual role; sign-offs use the role on each engagement's team.
    #[serde(default = "default_role")]
    pub role: crate::model::engagement::Role,
}

fn default_role() -> crate::model::engagement::Role {
    crate::model::engagement::Role::Assessor
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecentEngagement {
    pub path: String,
    /// What to show: the provider and service.
    pub title: String,
    pub opened_at: String,
    /// What tells engagements of the same service apart, as it was when the
    /// file was last opened (none in profiles written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub details: Option<RecentDetails>,
}

/// The facts a recent file is recognized by: whose service, which period,
/// which kind of audit, and whether it is finalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecentDetails {
    pub provider: String,
    pub service: String,
    pub period: crate::model::engagement::Period,
    pub audit_kind: crate::model::engagement::AuditKind,
    pub finalized: bool,
}

text_enum!(
    /// A language of the interface and of reports.
    #[derive(Default)]
    Lang {
        #[default]
        Ja = "ja",
        En = "en",
    }
);

fn lenient_lang<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Lang, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok(Lang::parse(&text).unwrap_or_default())
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            name: String::new(),
            lang: Lang::Ja,
            recent: Vec::new(),
            initials: String::new(),
            role: default_role(),
        }
    }
}

/// How many recent engagements are remembered.
pub const RECENT_LIMIT: usize = 10;

fn file(data_dir: &Path) -> PathBuf {
    data_dir.join("profile.json")
}

impl Profile {
    /// The profile in `data_dir`, or a new one when there is none yet.
    pub fn load(data_dir: &Path) -> Result<Profile> {
        let path = file(data_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| Error::Corrupt { path, detail: format!("the profile is not readable: {e}") }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profile::default()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Writes the profile: to a temporary file first, then renamed over the
    /// old one, so a crash never leaves half a profile.
    pub fn save(&self, data_dir: &Path) -> Result<()> {
        std::fs::create_dir_all(data_dir).map_err(|e| Error::io(data_dir, e))?;
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::invalid("profile", e.to_string()))?;
        crate::files::write_whole(&file(data_dir), &json)
    }

    /// Puts `path` first in the recent list.
    pub fn remember(&mut self, path: &Path, title: String, opened_at: String, details: Option<RecentDetails>) {
        let path = path.display().to_string();
        self.recent.retain(|r| r.path != path);
        self.recent.insert(0, RecentEngagement { path, title, opened_at, details });
        self.recent.truncate(RECENT_LIMIT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_round_trips_and_keeps_the_newest_ten() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Profile::load(dir.path()).unwrap();
        assert_eq!(p, Profile::default());
        for i in 0..12 {
            p.remember(Path::new(&format!("/e/{i}.ismap")), format!("E{i}"), "t".into(), None);
        }
        p.remember(Path::new("/e/5.ismap"), "E5".into(), "t".into(), None);
        p.save(dir.path()).unwrap();
        let loaded = Profile::load(dir.path()).unwrap();
        assert_eq!(loaded.recent.len(), RECENT_LIMIT);
        assert_eq!(loaded.recent[0].path, "/e/5.ismap");
        assert_eq!(loaded.recent[1].path, "/e/11.ismap");
        assert_eq!(loaded.recent.iter().filter(|r| r.path == "/e/5.ismap").count(), 1);
    }

    #[test]
    fn a_damaged_profile_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("profile.json"), "{not json").unwrap();
        let err = Profile::load(dir.path()).unwrap_err();
        assert_eq!(err.kind(), "corrupt");
        assert!(err.to_string().contains("profile.json"), "{err}");
        // A language this version does not know reads as Japanese.
        std::fs::write(dir.path().join("profile.json"), r#"{"name": "佐藤", "lang": "fr"}"#).unwrap();
        let read = Profile::load(dir.path()).unwrap();
        assert_eq!((read.name.as_str(), read.lang), ("佐藤", Lang::Ja));
    }
}
