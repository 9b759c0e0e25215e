//! Log sinks: stderr for the CLI, memory for tests.

use std::sync::Mutex;

use crate::bindings::Level;
use crate::capabilities::LogSink;

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
        if level.rank() >= self.min.rank() {
            eprintln!("[connector {}] {message}", level.as_str());
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
            .map(|(l, m)| format!("{} {m}\n", l.as_str()))
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
