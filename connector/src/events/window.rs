//! Reading a windowed stream (Admin API users, envelope changes): a window `from`..`to` is fixed
//! when opened and read page by page across fetches (`next` is the index of the next item); once
//! read to the end, the next window starts `overlap` before this one's end, and the duplicates
//! the overlap brings are dropped by id.

use super::Event;
use super::checkpoint::{Dedup, Window, WindowPosition};
use super::since;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::timestamp::Timestamp;

/// One page of a windowed listing.
pub struct Page {
    /// Items listed, malformed ones included (the offset advances by this).
    pub returned: usize,
    /// The usable events.
    pub events: Vec<Event>,
    /// Whether more items follow this page.
    pub more: bool,
}

/// The window to read: the committed unfinished one, else a new one from the committed start
/// (or `first_from` on a first fetch) to `now_ms`.
pub fn open(committed: &WindowPosition, first_from: Option<String>, now_ms: u64) -> Window {
    committed.window.clone().unwrap_or_else(|| Window {
        from: committed.since.clone().or(first_from),
        to: since::to_query(Timestamp::from_unix_ms(now_ms)),
        next: 0,
    })
}

/// What reading a window produced.
pub struct WindowRead {
    /// New events.
    pub events: Vec<Event>,
    /// The stream's candidate position.
    pub position: WindowPosition,
    /// True when the window was read to its end.
    pub complete: bool,
    /// Why reading stopped early; the events before it are kept.
    pub failure: Option<ConnectorError>,
    /// Duplicates dropped.
    pub dropped: usize,
}

/// Read `window` from `window.next` until its end or `max` events, `page_size` at most per call
/// to `fetch(next, take)`.
pub fn read(
    committed: &WindowPosition,
    window: Window,
    max: u32,
    page_size: u32,
    overlap_ms: u64,
    mut fetch: impl FnMut(u64, u32) -> Result<Page>,
) -> WindowRead {
    let mut dedup = Dedup::new(&committed.recent);
    let mut events = Vec::new();
    let mut next = window.next;
    let mut failure = None;
    let complete = loop {
        let room = max as usize - events.len().min(max as usize);
        if room == 0 {
            break false;
        }
        let take = room.min(page_size as usize) as u32;
        match fetch(next, take) {
            Err(e) => {
                failure = Some(e);
                break false;
            }
            Ok(page) => {
                next += page.returned as u64;
                events.extend(page.events.into_iter().filter(|e| dedup.admit(&e.id)));
                if !page.more {
                    break true;
                }
            }
        }
    };
    conclude(
        committed,
        Window { next, ..window },
        complete,
        dedup,
        events,
        failure,
        overlap_ms,
    )
}

/// What reading stopped with: a complete window makes the next one start `overlap_ms` before
/// its end; an incomplete one is kept (at `window`) for the next fetch.
pub fn conclude(
    committed: &WindowPosition,
    window: Window,
    complete: bool,
    dedup: Dedup,
    events: Vec<Event>,
    failure: Option<ConnectorError>,
    overlap_ms: u64,
) -> WindowRead {
    let dropped = dedup.dropped;
    let position = if complete {
        let end = Timestamp::parse(&window.to).map_or(0, Timestamp::unix_ms);
        WindowPosition {
            since: Some(since::to_query(Timestamp::from_unix_ms(
                end.saturating_sub(overlap_ms),
            ))),
            window: None,
            recent: dedup.into_recent(),
        }
    } else {
        WindowPosition {
            since: committed.since.clone(),
            window: Some(window),
            recent: dedup.into_recent(),
        }
    };
    WindowRead {
        events,
        position,
        complete,
        failure,
        dropped,
    }
}

/// Read pages from index 0 until `limit` new events or the end, `page_size` at most per call to
/// `fetch(start, take)` (`get-events`: no window position to keep).
pub fn read_up_to(
    limit: usize,
    page_size: u32,
    dedup: &mut Dedup,
    mut fetch: impl FnMut(u64, u32) -> Result<Page>,
) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    let mut start = 0u64;
    while events.len() < limit {
        let take = (limit - events.len()).min(page_size as usize) as u32;
        let page = fetch(start, take)?;
        start += page.returned as u64;
        events.extend(page.events.into_iter().filter(|e| dedup.admit(&e.id)));
        if !page.more {
            break;
        }
    }
    Ok(events)
}

/// Normalize a page's items with `to_event`, skipping (and logging) the malformed ones;
/// `label` names the stream, `start` the page's offset.
pub fn normalize<T>(
    host: &dyn Host,
    label: &str,
    start: u64,
    items: impl IntoIterator<Item = T>,
    mut to_event: impl FnMut(T) -> std::result::Result<Event, String>,
) -> Vec<Event> {
    let items = items.into_iter();
    let mut events = Vec::with_capacity(items.size_hint().0);
    for (i, item) in items.enumerate() {
        match to_event(item) {
            Ok(event) => events.push(event),
            Err(why) => host.log(
                Level::Warn,
                &format!(
                    "{label}: skipping item #{} of the page at {start}: {why}",
                    i + 1
                ),
            ),
        }
    }
    events
}
