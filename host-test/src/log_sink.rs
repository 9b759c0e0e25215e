//! Log sinks: stderr for the CLI, memory for tests.

use std::sync::Mutex;

use crate::bindings::Level;
use crate::capabilities::LogSink;

/// Severity order, lowest first.
pub fn rank(level: Level) -> u8 {
    match level {
        Level::Trace => 0,
        Level::Debug => 1,
        Level::Info => 2,
        Level::Warn => 3,
        Level::Error => 4,
    }
}

/// Lower-case name of a level.
pub fn name(level: Level) -> &'static str {
    match level {
        Level::Trace => "trace",
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}

/// Prints lines at or above a level to stderr.
#[derive(Debug)]
pub struct StderrLog {
    min: Level,
}

impl StderrLog {
    /// Print `min` and above.
    pub fn new(min: Level) -> Self {
        Self { min }
    }
}

impl LogSink for StderrLog {
    fn log(&self, level: Level, message: &str) {
        if rank(level) >= rank(self.min) {
            eprintln!("[connector {}] {message}", name(level));
        }
    }
}

/// Keeps every line, for tests.
#[derive(Debug, Default)]
pub struct MemoryLog {
    lines: Mutex<Vec<(Level, String)>>,
}

impl MemoryLog {
    /// All lines so far.
    pub fn lines(&self) -> Vec<(Level, String)> {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// All lines as text, one per line.
    pub fn text(&self) -> String {
        self.lines()
            .iter()
            .map(|(l, m)| format!("{} {m}\n", name(*l)))
            .collect()
    }
}

impl LogSink for MemoryLog {
    fn log(&self, level: Level, message: &str) {
        self.lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((level, message.to_owned()));
    }
}

/// Discards everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullLog;

impl LogSink for NullLog {
    fn log(&self, _level: Level, _message: &str) {}
}
