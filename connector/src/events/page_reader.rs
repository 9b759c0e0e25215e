//! A page of records (`{"data": [{…}, …], "endCursor": "…", …}`) read in one pass: this module
//! walks the page's top-level object and its array, and serde_json reads each value, so a record
//! is scanned once (probed for the members the caller needs while its extent is found) instead
//! of once to split the page and once more to probe each record.
//!
//! Only the usual spelling is read here. Anything else (a key with escapes, a member twice,
//! malformed JSON, a body that is not one object) gives `None`, and the caller reads the page
//! with its general path, whose results and errors stay the reference.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

/// One record of the array: its JSON text as sent, and the probe of it if it read as one.
pub struct Record<'a, P> {
    /// The record's text, from its first byte to its last (no surrounding whitespace).
    pub text: &'a str,
    /// `P` read from the record; `None` when the record is not an object or does not read as `P`.
    pub probe: Option<P>,
}

/// A page as read by [`read`].
pub struct RawPage<'a, P> {
    /// The cursor member, if present and not null.
    pub cursor: Option<String>,
    /// The records of the array member, in order (empty when it is absent).
    pub records: Vec<Record<'a, P>>,
}

/// The member names [`read`] looks for.
pub struct Members<'n> {
    /// The cursor member (a string or null).
    pub cursor: &'n str,
    /// The array of records, under any of these names (at most one of them present).
    pub records: &'n [&'n str],
}

/// Read `text` as one JSON object with `members`, probing each record as `P`; `None` if it is
/// not spelled the usual way (see the module's documentation).
///
/// A record is read with serde_json's nesting limit counted from the record itself, where the
/// general path counts the page's two levels too: a record nested 127 or 128 levels deep is
/// read here and refused there.
pub fn read<'a, P: Deserialize<'a>>(
    text: &'a str,
    members: &Members<'_>,
) -> Option<RawPage<'a, P>> {
    Walker { text, pos: 0 }.page(members)
}

/// A cursor over the page's text; serde_json reads the values in between.
struct Walker<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Walker<'a> {
    /// The next byte after JSON whitespace (the cursor stops on it).
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.text.as_bytes();
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = bytes.get(self.pos) {
            self.pos += 1;
        }
        bytes.get(self.pos).copied()
    }

    /// Step over `byte` (after whitespace), or `None` if something else comes.
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    /// One JSON value at the cursor, read by serde_json as `T`; the cursor moves past it only if
    /// it reads.
    fn value<T: Deserialize<'a>>(&mut self) -> Option<T> {
        self.peek()?;
        let text: &'a str = self.text;
        let mut values = serde_json::Deserializer::from_str(&text[self.pos..]).into_iter::<T>();
        let value = values.next()?.ok()?;
        self.pos += values.byte_offset();
        Some(value)
    }

    fn page<P: Deserialize<'a>>(mut self, members: &Members<'_>) -> Option<RawPage<'a, P>> {
        self.eat(b'{')?;
        let mut cursor: Option<Option<String>> = None;
        let mut records = None;
        if self.peek()? != b'}' {
            loop {
                let key: &str = self.value()?;
                self.eat(b':')?;
                if key == members.cursor {
                    if cursor.is_some() {
                        return None;
                    }
                    cursor = Some(self.value()?);
                } else if members.records.contains(&key) {
                    if records.is_some() {
                        return None;
                    }
                    records = Some(self.records()?);
                } else {
                    self.value::<IgnoredAny>()?;
                }
                if self.eat(b',').is_none() {
                    break;
                }
            }
        }
        self.eat(b'}')?;
        // Nothing but whitespace after the object.
        if self.peek().is_some() {
            return None;
        }
        Some(RawPage {
            cursor: cursor.flatten(),
            records: records.unwrap_or_default(),
        })
    }

    fn records<P: Deserialize<'a>>(&mut self) -> Option<Vec<Record<'a, P>>> {
        self.eat(b'[')?;
        let mut records = Vec::new();
        if self.eat(b']').is_some() {
            return Some(records);
        }
        loop {
            records.push(self.record()?);
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(records);
                }
                _ => return None,
            }
        }
    }

    fn record<P: Deserialize<'a>>(&mut self) -> Option<Record<'a, P>> {
        // Only an object is probed: a derived struct would also read an array, by position.
        if self.peek()? == b'{' {
            let start = self.pos;
            if let Some(probe) = self.value::<P>() {
                return Some(Record {
                    text: &self.text[start..self.pos],
                    probe: Some(probe),
                });
            }
        }
        let raw: &'a RawValue = self.value()?;
        Some(Record {
            text: raw.get(),
            probe: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    const MEMBERS: Members<'static> = Members {
        cursor: "endCursor",
        records: &["data", "resultData"],
    };

    #[derive(Deserialize, Debug, PartialEq)]
    struct Id<'a> {
        #[serde(borrow)]
        id: Option<Cow<'a, str>>,
    }

    fn texts<'a>(page: &RawPage<'a, Id<'a>>) -> Vec<&'a str> {
        page.records.iter().map(|r| r.text).collect()
    }

    #[test]
    fn reads_the_usual_page() {
        let text = " {\"endCursor\" : \"c2\",\n \"other\": {\"data\": [1]}, \"data\": [ {\"id\":\"a\", \"n\": [1, {\"x\": \"]\"}]} ,{\"id\":\"b\\\"\"}, 7, [\"q\"], {\"id\": 3} ] } \n";
        let page = read::<Id>(text, &MEMBERS).unwrap();
        assert_eq!(page.cursor.as_deref(), Some("c2"));
        assert_eq!(
            texts(&page),
            [
                "{\"id\":\"a\", \"n\": [1, {\"x\": \"]\"}]}",
                "{\"id\":\"b\\\"\"}",
                "7",
                "[\"q\"]",
                "{\"id\": 3}"
            ]
        );
        let probes: Vec<_> = page.records.iter().map(|r| r.probe.as_ref()).collect();
        assert_eq!(probes[0].unwrap().id.as_deref(), Some("a"));
        assert_eq!(probes[1].unwrap().id.as_deref(), Some("b\""));
        // Not objects, or not read as the probe (the id is a number): text only.
        assert!(probes[2..].iter().all(Option::is_none));
    }

    #[test]
    fn reads_the_other_spellings_of_a_page() {
        let page = read::<Id>("{\"resultData\":[],\"endCursor\":null}", &MEMBERS).unwrap();
        assert!(page.cursor.is_none() && page.records.is_empty());
        let page = read::<Id>("{}", &MEMBERS).unwrap();
        assert!(page.cursor.is_none() && page.records.is_empty());
        let page = read::<Id>("{\"endCursor\":\"c\\u0032\"}", &MEMBERS).unwrap();
        assert_eq!(page.cursor.as_deref(), Some("c2"));
    }

    #[test]
    fn leaves_anything_unusual_to_the_general_path() {
        for text in [
            "",
            "[]",
            "{\"data\":[{}],\"resultData\":[]}",
            "{\"data\":[],\"data\":[]}",
            "{\"endCursor\":\"a\",\"endCursor\":\"b\"}",
            "{\"endCursor\":7}",
            "{\"end\\u0043ursor\":\"c\"}",
            "{\"data\":{}}",
            "{\"data\":[{\"id\":\"a\"},]}",
            "{\"data\":[{\"id\":\"a\"} {\"id\":\"b\"}]}",
            "{\"data\":[{\"id\":\"a\"}]",
            "{\"data\":[{\"id\":\"a\"}]} x",
            "{\"data\":[{\"id\":\"a\"}]}{}",
            "{\"data\":[{\"id\":\"a}]}",
            "{\"data\":[tru]}",
            "{\"data\":[1]\"endCursor\":\"c\"}",
            "{\"a\":1,}",
            "{\"a\" 1}",
        ] {
            assert!(read::<Id>(text, &MEMBERS).is_none(), "{text}");
        }
    }
}
