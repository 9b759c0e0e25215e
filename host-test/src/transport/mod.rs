//! Transports: cassette replay (tests, demo), live HTTPS with an allow-list, and recording.

pub mod allow;
pub mod cassette;
pub mod live;
pub mod record;

pub use allow::AllowList;
pub use cassette::{Cassette, CassetteTransport};
pub use live::{LiveOptions, LiveTransport};
pub use record::RecordingTransport;
