//! Transports: cassette replay (tests, demo), and later live HTTPS and recording.

pub mod cassette;

pub use cassette::{Cassette, CassetteTransport};
