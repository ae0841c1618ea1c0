/// Declares a closed enum that is stored and shown as snake_case text, with
/// `ALL` (its texts, for command-line value lists), `as_str` and `parse`.
/// One definition for every such enum of the model.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),* }

        impl $name {
            pub const ALL: &'static [&'static str] = &[$($text),*];
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

pub mod catalog;
pub mod engagement;
pub mod event;
pub mod evidence;
pub mod procedure;
pub mod report;
pub mod review;
pub mod sampling;
