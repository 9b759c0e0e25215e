//! Human output: JSON results as markdown-like tables (as Cortex XSOAR prints them).

use serde_json::Value;

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
    }
}
