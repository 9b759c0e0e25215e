//! "Get signed documents": every document of the envelope as PDF, plus the certificate of
//! completion ("summary"), each with its SHA-256. Bytes move from the host reply into the
//! result without further copies.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::fields;
use super::{SignedDocument, SignedDocuments};
use crate::auth::{Session, scopes};
use crate::config::Config;
use crate::error::{ConnectorError, Result};
use crate::host::{Host, Level};
use crate::http;
use crate::request::{HttpRequest, Method};

/// Timeout of one document download.
const DOWNLOAD_TIMEOUT_MS: u32 = 120_000;
/// DocuSign's id of the certificate of completion.
const CERTIFICATE_ID: &str = "certificate";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocumentList {
    #[serde(default)]
    envelope_documents: Vec<ListedDocument>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedDocument {
    document_id: String,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    order: Option<String>,
}

/// Download the documents and the summary of `envelope_id`.
pub fn get_signed_documents(
    host: &dyn Host,
    config: &Config,
    envelope_id: &str,
) -> Result<SignedDocuments> {
    let envelope_id = fields::envelope_id(envelope_id)?;
    let session = Session::new(host, config, scopes::ESIGNATURE);
    let base = format!(
        "{}/envelopes/{envelope_id}/documents",
        session.account()?.esign_base()
    );
    let resp = session
        .send_expecting_success(HttpRequest::new(Method::Get, base.clone()).accept_json())?;
    let list: DocumentList = http::json(&resp, "document list")?;
    let mut listed: Vec<(usize, ListedDocument)> = list
        .envelope_documents
        .into_iter()
        .filter(|d| {
            !d.kind
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case("summary"))
                && d.document_id != CERTIFICATE_ID
        })
        .enumerate()
        .collect();
    listed.sort_by_key(|(i, d)| {
        (
            d.order
                .as_deref()
                .and_then(|o| o.trim().parse::<u32>().ok())
                .unwrap_or(u32::MAX),
            *i,
        )
    });
    let total = listed.len();
    let mut documents = Vec::with_capacity(total);
    for (n, (_, doc)) in listed.into_iter().enumerate() {
        let name = doc
            .name
            .unwrap_or_else(|| format!("document {}", doc.document_id));
        let signed = download(&session, &base, &doc.document_id, name)?;
        host.log(
            Level::Info,
            &format!(
                "downloaded document {}/{total} ({} bytes)",
                n + 1,
                signed.content.len()
            ),
        );
        documents.push(signed);
    }
    let summary = download(&session, &base, CERTIFICATE_ID, "Summary".to_owned())?;
    host.log(
        Level::Info,
        &format!("downloaded the summary ({} bytes)", summary.content.len()),
    );
    Ok(SignedDocuments {
        envelope_id: envelope_id.to_owned(),
        documents,
        summary,
    })
}

fn download(
    session: &Session<'_>,
    base: &str,
    document_id: &str,
    name: String,
) -> Result<SignedDocument> {
    let url = format!("{base}/{}", crate::request::encode(document_id));
    let request = HttpRequest::new(Method::Get, url)
        .header("Accept", "application/pdf")
        .timeout_ms(DOWNLOAD_TIMEOUT_MS);
    let resp = session.send_expecting_success(request)?;
    if !resp.body.starts_with(b"%PDF-") {
        return Err(ConnectorError::bad_response(
            resp.status,
            format!(
                "document {document_id} is not a PDF: {}",
                http::describe_body(&resp)
            ),
        ));
    }
    let sha256 = base16ct::lower::encode_string(&Sha256::digest(&resp.body));
    Ok(SignedDocument {
        document_id: document_id.to_owned(),
        name,
        content: resp.body,
        sha256,
    })
}
