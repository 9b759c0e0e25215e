//! Human output: JSON results as markdown-like tables (as Cortex XSOAR prints them).

use serde_json::Value;

/// Widest table printed; further columns are summarized.
const MAX_COLUMNS: usize = 8;

/// Render `value` under a `### title` heading. Objects become `field | value` tables, arrays of
/// objects become one table with a column per key; nested objects flatten to `a.b`;
/// `content_base64` is shown as its size only.
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
                    Value::String(text) if k == "checkpoint" => rows.push((
                        k.clone(),
                        format!("(opaque, {} bytes: pass it to commit-fetch)", text.len()),
                    )),
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
                if name == "events" {
                    out.push_str(&table(&items.iter().map(event_row).collect::<Vec<_>>()));
                } else {
                    out.push_str(&table(items));
                }
            }
        }
        Value::Array(items) => out.push_str(&table(items)),
        other => out.push_str(&format!("{}\n", scalar(other))),
    }
    out
}

/// An event as `event_type | id | time | summary`: who did what (customer events) or who is
/// now in which state (users).
fn event_row(event: &Value) -> Value {
    let d = &event["data"];
    let field = |k: &str| d[k].as_str().filter(|s| !s.is_empty());
    let parts: Vec<&str> = if event["event_type"] == "audit-users" {
        [field("user_name"), field("email"), field("user_status")]
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
    serde_json::json!({
        "event_type": event["event_type"],
        "id": event["id"],
        "time": event["time"],
        "summary": parts.join(" "),
    })
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
                if k == "content_base64" {
                    let size = v.as_str().map_or(0, |s| s.len() / 4 * 3);
                    out.push((key("content"), format!("({size} bytes)")));
                } else if !v.is_null() {
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
                       "documents": [{"name": "a|b.pdf", "content_base64": "AAAA"}, {"name": "c", "size": 3}]});
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
        assert!(!md.contains("AAAA"));
        let ev = json!({"events": [{"event_type": "customer-events", "id": "e1", "time": "t", "data": {"object": "User", "action": "Login", "result": "Failed", "userId": "u", "ipAddress": "203.0.113.7", "x": 1}}],
                         "checkpoint": "{\"version\":1}"});
        let md = markdown("Events", &ev);
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
        let wide: Vec<Value> =
            vec![json!({"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10})];
        let md = markdown("Wide", &Value::Array(wide));
        assert!(md.contains("| a | b | c | d | e | f | g | h |\n"), "{md}");
        assert!(
            md.contains("(2 more columns; --json shows everything)"),
            "{md}"
        );
    }
}
