pub mod catalog;
pub mod change;
pub mod copy;
pub mod engagement;
pub mod event;
pub mod evidence;
pub mod ids;
pub mod procedure;
pub mod report;
pub mod representation;
pub mod review;
pub mod roster;
pub mod sampling;

/// A calendar date as it crosses to the UI: chrono's `NaiveDate`, which
/// serde writes as `YYYY-MM-DD`. Date fields name it with
/// `#[ts(as = "IsoDate")]`, so that the page holds dates as dates and not
/// as free text (only this marker exists; it is never constructed).
#[cfg(feature = "ts")]
#[derive(Debug)]
pub struct IsoDate;

#[cfg(feature = "ts")]
impl ts_rs::TS for IsoDate {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn docs() -> Option<String> {
        Some("/**\n * A calendar date, `YYYY-MM-DD`.\n */\n".into())
    }
    fn name(_: &ts_rs::Config) -> String {
        "IsoDate".into()
    }
    fn inline(_: &ts_rs::Config) -> String {
        "`${number}-${number}-${number}`".into()
    }
    fn decl(cfg: &ts_rs::Config) -> String {
        format!("type IsoDate = {};", Self::inline(cfg))
    }
    fn decl_concrete(cfg: &ts_rs::Config) -> String {
        Self::decl(cfg)
    }
    fn output_path() -> Option<std::path::PathBuf> {
        Some("IsoDate.ts".into())
    }
}
