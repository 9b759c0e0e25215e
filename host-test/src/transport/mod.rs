//! Live HTTPS to DocuSign with an allow-list. Replaying and recording cassettes is in
//! [`crate::replay`].

pub mod allow;
pub mod live;
mod live_async;

pub use allow::{AllowList, Refusal};
pub use live::{LiveOptions, LiveSetupError, LiveTransport};
