//! Human output: JSON results as markdown-like tables (as Cortex XSOAR prints them).

use docusign_host::json_api::Output;
use docusign_host::json_api::output::{DocumentOutput, EventOutput, StreamOutput};
use serde::Serialize;
use serde_json::{Value, json};

/// Widest table printed; further columns are summarized.
const MAX_COLUMNS: usize = 8;

/// Render `value` under a `### title` heading. Objects become `field | value` tables, arrays of
/// objects become one table with a column per key; nested objects flatten to `a.b`; nulls are
/// left out.
pub fn markdown(title: &str, value: &Value) -> String {
    let mut out = format!("### {title}\n");
    match value {
        Value::Object(map) => {
            let mut rows = Vec::new();
            let mut lists = Vec::new();
            for (k, v) in map {
                match v {
                    Value::Array(items) if items.iter().any(Value::is_object) => {
                        lists.push((k.clone(), items))
                    }
                    _ => flatten(k, v, &mut rows),
                }
            }
            if !rows.is_empty() {
                out.push_str("| field | value |\n| --- | --- |\n");
                for (k, v) in rows {
                    out.push_str(&format!("| {} | {} |\n", cell(&k), cell(&v)));
                }
            }
            for (name, items) in lists {
                out.push_str(&format!("\n#### {name} ({})\n", items.len()));
                out.push_str(&table(items));
            }
        }
        Value::Array(items) => out.push_str(&table(items)),
        other => out.push_str(&format!("{}\n", scalar(other))),
    }
    out
}

/// An action's result as tables: events summarized one per row, the checkpoint as its size,
/// document content as its size.
pub fn outcome(title: &str, output: &Output) -> String {
    let view = match output {
        Output::Events(e) => json!({"events": event_rows(&e.events)}),
        Output::Fetch(b) => serde_json::to_value(FetchView {
            events: event_rows(&b.events),
            checkpoint: format!(
                "(opaque, {} bytes: pass it to commit-fetch)",
                b.checkpoint.len()
            ),
            streams: &b.streams,
            retry_after_secs: b.retry_after_secs,
        })
        .unwrap_or_default(),
        Output::Documents(d) => serde_json::to_value(DocumentsView {
            envelope_id: &d.envelope_id,
            documents: d.documents.iter().map(DocumentView::from).collect(),
            summary: DocumentView::from(&d.summary),
        })
        .unwrap_or_default(),
        other => other.redacted().to_json(),
    };
    markdown(title, &view)
}

#[derive(Serialize)]
struct FetchView<'a> {
    events: Vec<EventRow<'a>>,
    checkpoint: String,
    streams: &'a [StreamOutput],
    retry_after_secs: Option<u64>,
}

#[derive(Serialize)]
struct DocumentsView<'a> {
    envelope_id: &'a str,
    documents: Vec<DocumentView<'a>>,
    summary: DocumentView<'a>,
}

/// A document with its content shown as a size.
#[derive(Serialize)]
struct DocumentView<'a> {
    document_id: &'a str,
    name: &'a str,
    size: usize,
    sha256: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

impl<'a> From<&'a DocumentOutput> for DocumentView<'a> {
    fn from(d: &'a DocumentOutput) -> Self {
        Self {
            document_id: &d.document_id,
            name: &d.name,
            size: d.size,
            sha256: &d.sha256,
            content: d
                .content_base64
                .as_ref()
                .map(|_| format!("({} bytes)", d.size)),
            path: d.path.as_deref(),
        }
    }
}

/// One event as a table row.
#[derive(Serialize)]
struct EventRow<'a> {
    event_type: &'a str,
    id: &'a str,
    time: Option<&'a str>,
    summary: String,
}

fn event_rows(events: &[EventOutput]) -> Vec<EventRow<'_>> {
    events.iter().map(event_row).collect()
}

/// An event as `event_type | id | time | summary`: who did what (customer events), who is now
/// in which state (users) or which envelope is now in which status (envelope changes), from
/// DocuSign's own fields of the event.
fn event_row(event: &EventOutput) -> EventRow<'_> {
    let d = &event.data;
    let field = |k: &str| d[k].as_str().filter(|s| !s.is_empty());
    let parts: Vec<&str> = if event.event_type == "audit-users" {
        [field("user_name"), field("email"), field("user_status")]
            .into_iter()
            .flatten()
            .collect()
    } else if event.event_type == "envelope-changes" {
        [field("status"), field("emailSubject")]
            .into_iter()
            .flatten()
            .collect()
    } else {
        [
            field("object"),
            field("action"),
            field("result"),
            field("userId"),
            field("ipAddress"),
        ]
        .into_iter()
        .flatten()
        .collect()
    };
    EventRow {
        event_type: &event.event_type,
        id: &event.id,
        time: event.time.as_deref(),
        summary: parts.join(" "),
    }
}

fn table(items: &[Value]) -> String {
    let rows: Vec<Vec<(String, String)>> = items
        .iter()
        .map(|item| {
            let mut row = Vec::new();
            flatten("", item, &mut row);
            row
        })
        .collect();
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for (k, _) in row {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    if columns.is_empty() {
        return "(none)\n".to_owned();
    }
    let hidden = columns.len().saturating_sub(MAX_COLUMNS);
    columns.truncate(MAX_COLUMNS);
    let mut out = format!(
        "| {} |\n|{}\n",
        columns
            .iter()
            .map(|c| cell(c))
            .collect::<Vec<_>>()
            .join(" | "),
        " --- |".repeat(columns.len())
    );
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| {
                row.iter()
                    .find(|(k, _)| k == c)
                    .map(|(_, v)| cell(v))
                    .unwrap_or_default()
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    if hidden > 0 {
        out.push_str(&format!(
            "({hidden} more columns; --json shows everything)\n"
        ));
    }
    out
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if !v.is_null() {
                    flatten(&key(k), v, out);
                }
            }
        }
        Value::Null => {}
        other => out.push((
            if prefix.is_empty() {
                "value".to_owned()
            } else {
                prefix.to_owned()
            },
            scalar(other),
        )),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables() {
        let v = json!({"user_id": "u", "account": {"account_id": "a", "org": null}, "scopes": ["x", "y"],
                       "documents": [{"name": "a|b.pdf", "content": "(3 bytes)"}, {"name": "c", "size": 3}]});
        let md = markdown("Result", &v);
        assert!(md.starts_with("### Result\n| field | value |"), "{md}");
        assert!(md.contains("| account.account_id | a |"));
        assert!(md.contains("| scopes | x, y |"));
        assert!(!md.contains("org"));
        assert!(
            md.contains("#### documents (2)\n| name | content | size |"),
            "{md}"
        );
        assert!(md.contains("| a\\|b.pdf | (3 bytes) |  |"), "{md}");
        let wide: Vec<Value> =
            vec![json!({"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10})];
        let md = markdown("Wide", &Value::Array(wide));
        assert!(md.contains("| a | b | c | d | e | f | g | h |\n"), "{md}");
        assert!(
            md.contains("(2 more columns; --json shows everything)"),
            "{md}"
        );
    }

    #[test]
    fn events_checkpoints_and_documents() {
        let event = EventOutput {
            event_type: "customer-events".into(),
            id: "e1".into(),
            time: Some("t".into()),
            data: json!({"object": "User", "action": "Login", "result": "Failed", "userId": "u", "ipAddress": "203.0.113.7", "x": 1}),
        };
        let fetch = Output::Fetch(docusign_host::json_api::output::FetchOutput {
            events: vec![event],
            checkpoint: "{\"version\":1}".into(),
            streams: Vec::new(),
            retry_after_secs: None,
        });
        let md = outcome("Events", &fetch);
        assert!(
            md.contains("| event_type | id | time | summary |\n"),
            "{md}"
        );
        assert!(
            md.contains("| customer-events | e1 | t | User Login Failed u 203.0.113.7 |"),
            "{md}"
        );
        assert!(
            md.contains("(opaque, 13 bytes: pass it to commit-fetch)"),
            "{md}"
        );
        let doc = |id: &str, name: &str| DocumentOutput {
            document_id: id.into(),
            name: name.into(),
            size: 3,
            sha256: "h".into(),
            content_base64: Some("AAAA".into()),
            path: None,
        };
        let docs = Output::Documents(docusign_host::json_api::output::DocumentsOutput {
            envelope_id: "env".into(),
            documents: vec![doc("1", "a|b.pdf")],
            summary: doc("certificate", "Summary"),
        });
        let md = outcome("Docs", &docs);
        assert!(
            md.contains("| document_id | name | size | sha256 | content |"),
            "{md}"
        );
        assert!(md.contains("| 1 | a\\|b.pdf | 3 | h | (3 bytes) |"), "{md}");
        assert!(md.contains("| summary.content | (3 bytes) |"), "{md}");
        assert!(!md.contains("AAAA"));
    }
}
