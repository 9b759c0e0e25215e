//! What `SignatureWorkflow` keeps of signed documents: their names, sizes and SHA-256 (the
//! contents stay out of Restate's journal), and, with an `archive_dir`, the files themselves.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use docusign_host::json_api::output::{DocumentOutput, DocumentsOutput};
use docusign_host::json_api::{ErrorOutput, InvokeError};
use serde::{Deserialize, Serialize};

/// One document's evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Document id (`certificate` for the certificate of completion).
    pub document_id: String,
    /// Name.
    pub name: String,
    /// Bytes.
    pub size: usize,
    /// SHA-256, hex (as DocuSign's content was received).
    pub sha256: String,
    /// Where it was archived.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
}

/// An envelope's evidence: its documents and its certificate of completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeEvidence {
    /// The documents.
    pub documents: Vec<Evidence>,
    /// The certificate of completion.
    pub summary: Evidence,
}

/// The evidence of `docs`; with `archive`, each document is also written to
/// `archive/<envelope id>/<document id>-<name>` (replaced whole, so a retried step rewrites it).
pub fn collect(
    docs: DocumentsOutput,
    archive: Option<&Path>,
) -> Result<EnvelopeEvidence, InvokeError> {
    let folder = archive.map(|dir| dir.join(file_part(&docs.envelope_id)));
    if let Some(folder) = &folder {
        std::fs::create_dir_all(folder).map_err(|e| archive_error(folder, &e))?;
    }
    let one = |doc: DocumentOutput| keep(doc, folder.as_deref());
    Ok(EnvelopeEvidence {
        documents: docs
            .documents
            .into_iter()
            .map(one)
            .collect::<Result<_, _>>()?,
        summary: one(docs.summary)?,
    })
}

fn keep(doc: DocumentOutput, folder: Option<&Path>) -> Result<Evidence, InvokeError> {
    let path = match (folder, &doc.content_base64) {
        (Some(folder), Some(content)) => {
            let bytes = STANDARD.decode(content).map_err(|e| {
                InvokeError::from(ErrorOutput::State {
                    message: format!("document {}: content is not base64: {e}", doc.document_id),
                })
            })?;
            let path = folder.join(file_name(&doc.document_id, &doc.name));
            write_whole(&path, &bytes)?;
            Some(path.display().to_string())
        }
        _ => None,
    };
    Ok(Evidence {
        document_id: doc.document_id,
        name: doc.name,
        size: doc.size,
        sha256: doc.sha256,
        path,
    })
}

/// `<id>-<name>`, made safe as a file name, ending in `.pdf` (DocuSign serves PDFs).
pub fn file_name(document_id: &str, name: &str) -> String {
    let mut file = format!("{}-{}", file_part(document_id), file_part(name));
    if !file.to_ascii_lowercase().ends_with(".pdf") {
        file.push_str(".pdf");
    }
    file
}

/// `text` with every character outside `[A-Za-z0-9._ -]` replaced by `_`, no leading dot.
fn file_part(text: &str) -> String {
    let safe: String = text
        .chars()
        .take(120)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ' ' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.').trim().to_owned();
    if safe.is_empty() {
        "_".to_owned()
    } else {
        safe
    }
}

fn write_whole(path: &PathBuf, bytes: &[u8]) -> Result<(), InvokeError> {
    let partial = path.with_extension("partial");
    std::fs::write(&partial, bytes)
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| archive_error(path, &e))
}

fn archive_error(path: &Path, e: &std::io::Error) -> InvokeError {
    ErrorOutput::State {
        message: format!("archiving signed documents to {}: {e}", path.display()),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn doc(id: &str, name: &str, content: &[u8]) -> DocumentOutput {
        DocumentOutput {
            document_id: id.into(),
            name: name.into(),
            size: content.len(),
            sha256: base16ct::lower::encode_string(&Sha256::digest(content)),
            content_base64: Some(STANDARD.encode(content)),
            path: None,
        }
    }

    fn docs() -> DocumentsOutput {
        DocumentsOutput {
            envelope_id: "env/../1".into(),
            documents: vec![
                doc("1", "Master Services Agreement.pdf", b"%PDF-1 msa"),
                doc("2", "../Order: Form", b"%PDF-1 order"),
            ],
            summary: doc("certificate", "Summary", b"%PDF-1 certificate"),
        }
    }

    #[test]
    fn evidence_without_archive_keeps_no_content() {
        let e = collect(docs(), None).unwrap();
        assert_eq!(e.documents.len(), 2);
        assert_eq!(
            e.documents[0].sha256,
            base16ct::lower::encode_string(&Sha256::digest(b"%PDF-1 msa"))
        );
        assert!(e.documents.iter().all(|d| d.path.is_none()));
        let json = serde_json::to_string(&e).unwrap();
        assert!(!json.contains(&STANDARD.encode(b"%PDF-1 msa")), "{json}");
    }

    #[test]
    fn the_archive_holds_the_exact_bytes_under_safe_names() {
        let dir =
            std::env::temp_dir().join(format!("docusign-worker-evidence-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let e = collect(docs(), Some(&dir)).unwrap();
        let folder = dir.join("env_.._1");
        assert_eq!(
            std::fs::read(folder.join("1-Master Services Agreement.pdf")).unwrap(),
            b"%PDF-1 msa"
        );
        assert_eq!(
            std::fs::read(folder.join("2-_Order_ Form.pdf")).unwrap(),
            b"%PDF-1 order"
        );
        assert_eq!(
            std::fs::read(folder.join("certificate-Summary.pdf")).unwrap(),
            b"%PDF-1 certificate"
        );
        assert_eq!(
            e.summary.path.as_deref(),
            Some(folder.join("certificate-Summary.pdf").to_str().unwrap())
        );
        // A retried step rewrites the same files.
        collect(docs(), Some(&dir)).unwrap();
        assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_cannot_escape_the_folder() {
        assert_eq!(file_name("1", "../../etc/passwd"), "1-_.._etc_passwd.pdf");
        assert_eq!(file_name("..", ".."), "_-_.pdf");
        assert_eq!(file_name("3", "Scan.PDF"), "3-Scan.PDF");
    }
}
