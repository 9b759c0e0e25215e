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

/// Most pages one read may make that bring no new event (a server repeating a page, or a long
/// run of duplicates from the overlap); the read then ends unfinished, and the next fetch goes on
/// from where it stopped.
pub const STALE_PAGES: usize = 10;

/// Ends a paged read that makes no headway: a page with no items that still says more follow,
/// or the [`STALE_PAGES`]th page that brings no new event. Without it, a server that keeps
/// answering "more" with the same page would hold the invocation until its time bound, calling
/// DocuSign all the while.
pub struct Headway {
    stale_left: usize,
}

impl Default for Headway {
    fn default() -> Self {
        Self {
            stale_left: STALE_PAGES,
        }
    }
}

impl Headway {
    /// Whether to read on after a page that said more follow, listed `returned` items and
    /// brought `admitted` new events.
    pub fn read_on(&mut self, returned: usize, admitted: usize) -> bool {
        if returned == 0 {
            return false;
        }
        if admitted == 0 {
            self.stale_left = self.stale_left.saturating_sub(1);
            return self.stale_left > 0;
        }
        true
    }
}

/// Append the events of `page` that `dedup` admits to `events`; how many it admitted.
pub fn admit(events: &mut Vec<Event>, dedup: &mut Dedup, page: Vec<Event>) -> usize {
    let before = events.len();
    events.extend(page.into_iter().filter(|e| dedup.admit(&e.id)));
    events.len() - before
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
    let mut headway = Headway::default();
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
                let admitted = admit(&mut events, &mut dedup, page.events);
                if !page.more {
                    break true;
                }
                if !headway.read_on(page.returned, admitted) {
                    break false;
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
    let mut headway = Headway::default();
    while events.len() < limit {
        let take = (limit - events.len()).min(page_size as usize) as u32;
        let page = fetch(start, take)?;
        start += page.returned as u64;
        let admitted = admit(&mut events, dedup, page.events);
        if !page.more || !headway.read_on(page.returned, admitted) {
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

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::VecDeque;

    use super::*;
    use crate::events::EventType;

    fn page(ids: &[&str], more: bool) -> Page {
        let events = ids
            .iter()
            .map(|id| Event {
                event_type: EventType::AuditUsers,
                id: (*id).to_owned(),
                time: None,
                json: "{}".to_owned(),
            })
            .collect();
        Page {
            returned: ids.len(),
            events,
            more,
        }
    }

    /// A `fetch` answering `ids` every time, saying more follow, and counting its calls (a read
    /// that does not stop fails after 1,000 of them).
    fn repeating<'a>(
        calls: &'a Cell<usize>,
        ids: &'a [&'a str],
    ) -> impl FnMut(u64, u32) -> Result<Page> + 'a {
        move |_, _| {
            calls.set(calls.get() + 1);
            assert!(calls.get() < 1000, "the read does not stop");
            Ok(page(ids, true))
        }
    }

    fn window() -> Window {
        Window {
            from: None,
            to: "2025-05-02T15:40:00Z".to_owned(),
            next: 0,
        }
    }

    /// A server repeating one page that says more follow: the read stops after the page that
    /// brought events and `STALE_PAGES` more, unfinished, with its place kept.
    #[test]
    fn a_repeated_page_ends_the_read_unfinished() {
        let calls = Cell::new(0);
        let fetch = repeating(&calls, &["u1", "u2"]);
        let done = read(&WindowPosition::default(), window(), 300, 250, 0, fetch);
        assert_eq!(calls.get(), 1 + STALE_PAGES);
        assert!(!done.complete && done.failure.is_none());
        assert_eq!(done.events.len(), 2);
        assert_eq!(done.dropped, 2 * STALE_PAGES);
        let kept = done.position.window.expect("the window is kept");
        assert_eq!(kept.next, 2 * (1 + STALE_PAGES) as u64);

        let mut dedup = Dedup::new(&VecDeque::new());
        let calls = Cell::new(0);
        let events = read_up_to(50, 10, &mut dedup, repeating(&calls, &["u1"])).unwrap();
        assert_eq!((events.len(), calls.get()), (1, 1 + STALE_PAGES));
    }

    /// A page that lists nothing yet says more follow ends the read at once; pages that keep
    /// bringing new events read on to the end.
    #[test]
    fn an_empty_page_ends_the_read_and_new_events_read_on() {
        let calls = Cell::new(0);
        let fetch = repeating(&calls, &[]);
        let done = read(&WindowPosition::default(), window(), 300, 250, 0, fetch);
        assert_eq!(calls.get(), 1);
        assert!(!done.complete);

        let ids: Vec<String> = (0..40).map(|i| format!("u{i}")).collect();
        let done = read(
            &WindowPosition::default(),
            window(),
            300,
            250,
            0,
            |next, _| {
                let i = next as usize;
                let id = ids[i].as_str();
                Ok(page(&[id], i + 1 < ids.len()))
            },
        );
        assert!(done.complete);
        assert_eq!(done.events.len(), 40);
    }
}
