//! The `operations!` macro: one declaration per operation (its name, its
//! request's fields, its reply, its progress if any, and its body) gives the
//! request type, the dispatcher every front end calls, the list of names
//! (the desktop app's command permissions), and the TypeScript signatures.
//!
//! The declarations themselves are in `operations.rs`. The desktop app's
//! build script includes that file with a macro of its own that keeps only
//! the names, so the grammar here and there must stay the same.

/// The progress type of an operation, or `()` for one without progress.
macro_rules! progress_type {
    () => {
        ()
    };
    ($t:ty) => {
        $t
    };
}

macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident ( $Req:ident { $( $(#[$fattr:meta])* $field:ident : $fty:ty ),* $(,)? } )
            -> $Reply:ty $(, progress = $Prog:ty)?
            | $s:ident , $r:ident , $p:ident | $body:block
    )*) => {
        $(
            #[doc = concat!("The request of `", stringify!($name), "`.")]
            $(#[doc = $doc])*
            #[derive(Debug, serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
            pub struct $Req {
                $( $(#[$fattr])* pub $field: $fty, )*
            }
        )*

        /// The body of each operation, as a function of its name.
        mod bodies {
            #[allow(clippy::wildcard_imports)]
            use super::*;
            $(
                #[allow(unused_mut, unused_variables, clippy::needless_pass_by_value, clippy::unnecessary_wraps)]
                pub(super) fn $name(
                    $s: &$crate::Session,
                    $r: $Req,
                    mut $p: $crate::Progress<'_, progress_type!($($Prog)?)>,
                ) -> workbench_core::Result<$Reply> $body
            )*
        }

        /// The name of every operation, in the order declared.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// Runs the operation `name` with its request as JSON, sending its
        /// progress (if it has any) to `progress`. The reply is JSON, or raw
        /// bytes for an operation that answers with content.
        pub fn dispatch(
            session: &$crate::Session,
            name: &str,
            request: serde_json::Value,
            progress: &mut dyn FnMut(serde_json::Value),
        ) -> Result<$crate::Payload, workbench_core::error::ErrorPayload> {
            match name {
                $(
                    stringify!($name) => {
                        let $r: $Req = serde_json::from_value(request)
                            .map_err(|e| $crate::declare::bad_request(stringify!($name), &e))?;
                        let reply = bodies::$name(session, $r, $crate::Progress::new(progress));
                        reply
                            .map($crate::IntoPayload::into_payload)
                            .map_err(|e| workbench_core::error::ErrorPayload::from(&e))
                    }
                )*
                other => Err($crate::declare::unknown(other)),
            }
        }

        /// The TypeScript signature of every operation.
        #[cfg(feature = "ts")]
        pub fn signatures(cfg: &ts_rs::Config) -> Vec<$crate::typescript::Signature> {
            use ts_rs::TS;
            vec![$(
                $crate::typescript::Signature {
                    name: stringify!($name),
                    doc: vec![$($doc),*],
                    request: <$Req as TS>::ident(cfg),
                    reply: $crate::typescript::reply_type::<$Reply>(cfg),
                    progress: $crate::typescript::progress_type::<progress_type!($($Prog)?)>(cfg),
                    imports: {
                        let mut imports = vec![<$Req as TS>::ident(cfg)];
                        imports.extend($crate::typescript::imports::<$Reply>(cfg));
                        imports.extend($crate::typescript::imports::<progress_type!($($Prog)?)>(cfg));
                        imports
                    },
                }
            ),*]
        }

        /// Writes the TypeScript declaration of every request type (and of
        /// every type they use) to `cfg`'s folder.
        #[cfg(feature = "ts")]
        pub fn export_requests(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
            use ts_rs::TS;
            $( <$Req as TS>::export_all(cfg)?; )*
            $( $crate::typescript::export_deep::<$Reply>(cfg)?; )*
            $( $crate::typescript::export_deep::<progress_type!($($Prog)?)>(cfg)?; )*
            Ok(())
        }
    };
}

/// A request that is not what its operation takes.
pub(crate) fn bad_request(name: &str, e: &serde_json::Error) -> workbench_core::error::ErrorPayload {
    workbench_core::error::ErrorPayload {
        kind: workbench_core::error::ErrorKind::Invalid,
        message: format!("{name}: the request is not what it takes: {e}"),
        input_problems: Vec::new(),
        field_problems: Vec::new(),
    }
}

pub(crate) fn unknown(name: &str) -> workbench_core::error::ErrorPayload {
    workbench_core::error::ErrorPayload {
        kind: workbench_core::error::ErrorKind::NotFound,
        message: format!("there is no operation {name:?}"),
        input_problems: Vec::new(),
        field_problems: Vec::new(),
    }
}
