//! Signatures: the report's PAdES baseline B-B signature (an incremental
//! update that adds a signature field whose CMS covers the whole file but
//! the signature itself), and detached CMS signatures over other bytes (the
//! package manifest). The firm's key and certificate come from a PKCS#12
//! file; RSA and ECDSA P-256 keys are supported.
//!
//! No maintained, permissively licensed crate signs PDFs, so the few parts
//! are put together here from RustCrypto's CMS builder and lopdf.

use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use const_oid::db::rfc5911::{ID_AA_SIGNING_CERTIFICATE_V_2, ID_DATA};
use const_oid::db::rfc5912::{ID_EC_PUBLIC_KEY, ID_SHA_256, RSA_ENCRYPTION, SECP_256_R_1};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use lopdf::{dictionary, Document, IncrementalDocument, Object, StringFormat};
use sha2::{Digest, Sha256};
use signature::{Keypair, Signer};
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, SignatureBitStringEncoding};
use workbench_core::{Error, Result};
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::{GeneralName, GeneralNames};
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

/// Room for the CMS signature in the PDF, in bytes: an RSA-4096 signature
/// with a chain of a few certificates fits with room to spare.
const SIGNATURE_ROOM: usize = 16 * 1024;

/// A key and its certificate chain (leaf first), read from PKCS#12.
pub struct SigningIdentity {
    key: SigningKey,
    chain: Vec<Vec<u8>>,
    /// The leaf certificate's subject, for people.
    pub subject: String,
}

impl std::fmt::Debug for SigningIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is never printed.
        f.debug_struct("SigningIdentity").field("subject", &self.subject).finish()
    }
}

enum SigningKey {
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
    P256(p256::ecdsa::SigningKey),
}

fn sign_error(what: &str, detail: impl std::fmt::Display) -> Error {
    Error::invalid("signature", format!("{what}: {detail}"))
}

impl SigningIdentity {
    /// Reads a PKCS#12 file's first key and its chain. A wrong passphrase,
    /// a file without a key, or a key other than RSA or P-256 is refused
    /// with a message that says which.
    pub fn from_pkcs12(bytes: &[u8], passphrase: &str) -> Result<SigningIdentity> {
        let store = p12_keystore::KeyStore::from_pkcs12(bytes, passphrase).map_err(|e| {
            Error::invalid(
                "passphrase",
                format!("the PKCS#12 file could not be opened (wrong passphrase, or not PKCS#12): {e}"),
            )
        })?;
        let (_, entry) = store
            .private_key_chain()
            .ok_or_else(|| Error::invalid("certificate", "the PKCS#12 file holds no private key"))?;
        let key_der = entry.key();
        let chain: Vec<Vec<u8>> = entry.chain().iter().map(|c| c.as_der().to_vec()).collect();
        let leaf =
            chain.first().ok_or_else(|| Error::invalid("certificate", "the PKCS#12 file holds no certificate"))?;
        let leaf = Certificate::from_der(leaf).map_err(|e| sign_error("the certificate cannot be read", e))?;
        let info = rsa::pkcs8::PrivateKeyInfo::try_from(key_der)
            .map(|k| (k.algorithm.oid, k.algorithm.parameters_oid().ok()))
            .map_err(|e| sign_error("the private key cannot be read", e))?;
        let key = match info {
            (RSA_ENCRYPTION, _) => {
                use rsa::pkcs8::DecodePrivateKey;
                let key = rsa::RsaPrivateKey::from_pkcs8_der(key_der).map_err(|e| sign_error("the RSA key", e))?;
                SigningKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::<Sha256>::new(key)))
            }
            (ID_EC_PUBLIC_KEY, Some(SECP_256_R_1)) => {
                use p256::pkcs8::DecodePrivateKey;
                SigningKey::P256(
                    p256::ecdsa::SigningKey::from_pkcs8_der(key_der).map_err(|e| sign_error("the P-256 key", e))?,
                )
            }
            (oid, _) => {
                return Err(Error::invalid(
                    "certificate",
                    format!("the key's algorithm {oid} is not supported; use an RSA or ECDSA P-256 key"),
                ))
            }
        };
        // The certificate must be the key's, or validators reject the signature.
        let key_spki = match &key {
            SigningKey::Rsa(k) => {
                use rsa::pkcs8::EncodePublicKey;
                k.verifying_key().as_ref().to_public_key_der().map(|d| d.as_bytes().to_vec())
            }
            SigningKey::P256(k) => {
                use p256::pkcs8::EncodePublicKey;
                k.verifying_key().to_public_key_der().map(|d| d.as_bytes().to_vec())
            }
        }
        .map_err(|e| sign_error("the public key", e))?;
        let cert_spki =
            leaf.tbs_certificate.subject_public_key_info.to_der().map_err(|e| sign_error("the certificate", e))?;
        if key_spki != cert_spki {
            return Err(Error::invalid("certificate", "the PKCS#12 file's certificate is not the one of its key"));
        }
        Ok(SigningIdentity { key, chain, subject: leaf.tbs_certificate.subject.to_string() })
    }

    /// A detached CMS SignedData (DER) over content whose SHA-256 is
    /// `digest`, with the signing-certificate-v2 attribute and the chain.
    pub fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>> {
        match &self.key {
            SigningKey::Rsa(k) => sign_detached::<_, rsa::pkcs1v15::Signature>(k.as_ref(), digest, &self.chain),
            SigningKey::P256(k) => sign_detached::<_, p256::ecdsa::DerSignature>(k, digest, &self.chain),
        }
    }
}

/// ESS signing-certificate-v2 (RFC 5035), which PAdES requires: binds the
/// signature to the signer's certificate by its hash.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct IssuerSerial {
    issuer: GeneralNames,
    serial_number: SerialNumber,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct EssCertIdV2 {
    /// Absent means SHA-256 (the DEFAULT, which DER leaves out).
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn signing_certificate_v2(cert_der: &[u8]) -> Result<Attribute> {
    let der_error = |e: der::Error| sign_error("signing-certificate-v2", e);
    let cert = Certificate::from_der(cert_der).map_err(der_error)?;
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(Sha256::digest(cert_der).to_vec()).map_err(der_error)?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(cert.tbs_certificate.issuer.clone())],
                serial_number: cert.tbs_certificate.serial_number.clone(),
            }),
        }],
    };
    let mut values = SetOfVec::new();
    values.insert(Any::encode_from(&value).map_err(der_error)?).map_err(der_error)?;
    Ok(Attribute { oid: ID_AA_SIGNING_CERTIFICATE_V_2, values })
}

fn sign_detached<S, Sig>(signer: &S, digest: &[u8], chain: &[Vec<u8>]) -> Result<Vec<u8>>
where
    S: Keypair + DynSignatureAlgorithmIdentifier + Signer<Sig>,
    Sig: SignatureBitStringEncoding,
{
    let cms_error = |e: cms::builder::Error| sign_error("CMS", format!("{e:?}"));
    let der_error = |e: der::Error| sign_error("CMS", e);
    let leaf_der = chain.first().ok_or_else(|| Error::invalid("certificate", "no certificate to sign with"))?;
    let leaf = Certificate::from_der(leaf_der).map_err(der_error)?;
    let content = EncapsulatedContentInfo { econtent_type: ID_DATA, econtent: None };
    let sha256 = AlgorithmIdentifierOwned { oid: ID_SHA_256, parameters: None };
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: leaf.tbs_certificate.issuer.clone(),
        serial_number: leaf.tbs_certificate.serial_number.clone(),
    });
    // content-type and message-digest are added by the builder; PAdES
    // forbids signing-time in the CMS (the time is the PDF's /M).
    let mut signer_info =
        SignerInfoBuilder::new(signer, sid, sha256.clone(), &content, Some(digest)).map_err(cms_error)?;
    signer_info.add_signed_attribute(signing_certificate_v2(leaf_der)?).map_err(cms_error)?;
    let mut builder = SignedDataBuilder::new(&content);
    builder.add_digest_algorithm(sha256).map_err(cms_error)?;
    for cert in chain {
        let cert = Certificate::from_der(cert).map_err(der_error)?;
        builder.add_certificate(CertificateChoices::Certificate(cert)).map_err(cms_error)?;
    }
    builder.add_signer_info::<S, Sig>(signer_info).map_err(cms_error)?;
    builder.build().map_err(cms_error)?.to_der().map_err(der_error)
}

/// Signs a PDF: appends an incremental update with an invisible signature
/// field on the first page, whose `/Contents` is a CMS over every byte of
/// the file but itself (ETSI.CAdES.detached). `signed_at` is the PDF date
/// of the signature (`D:YYYYMMDDHHmmSS+00'00'`).
pub fn sign_pdf(pdf: Vec<u8>, identity: &SigningIdentity, signed_at: &str, signer_name: &str) -> Result<Vec<u8>> {
    let pdf_error = |e: lopdf::Error| sign_error("the PDF cannot be prepared for signing", e);
    let previous = Document::load_mem(&pdf).map_err(pdf_error)?;
    let previous_len = pdf.len();
    let catalog_id = previous.trailer.get(b"Root").and_then(Object::as_reference).map_err(pdf_error)?;
    let page_id = *previous
        .get_pages()
        .get(&1)
        .ok_or_else(|| Error::invalid("pdf", "the PDF has no page to hold the signature field"))?;
    let mut update = IncrementalDocument::create_from(pdf, previous);
    let placeholder: i64 = 9_999_999_999;
    let doc = &mut update.new_document;
    let signature_id = doc.add_object(dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => "ETSI.CAdES.detached",
        "ByteRange" => vec![Object::Integer(0), placeholder.into(), placeholder.into(), placeholder.into()],
        "Contents" => Object::String(vec![0u8; SIGNATURE_ROOM], StringFormat::Hexadecimal),
        "M" => Object::string_literal(signed_at),
        "Name" => Object::String(utf16_text(signer_name), StringFormat::Literal),
    });
    let field_id = doc.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => Object::string_literal("Signature1"),
        "V" => signature_id,
        "Rect" => vec![Object::Integer(0); 4],
        "F" => 132,
        "P" => page_id,
    });
    update.opt_clone_object_to_new_document(page_id).map_err(pdf_error)?;
    let page = update.new_document.get_dictionary_mut(page_id).map_err(pdf_error)?;
    match page.get_mut(b"Annots") {
        Ok(Object::Array(annotations)) => annotations.push(field_id.into()),
        _ => page.set("Annots", vec![Object::Reference(field_id)]),
    }
    update.opt_clone_object_to_new_document(catalog_id).map_err(pdf_error)?;
    let catalog = update.new_document.get_dictionary_mut(catalog_id).map_err(pdf_error)?;
    catalog.set("AcroForm", dictionary! { "Fields" => vec![Object::Reference(field_id)], "SigFlags" => 3 });
    let mut out = Vec::with_capacity(previous_len + 2 * SIGNATURE_ROOM + 4096);
    update.save_to(&mut out).map_err(|e| sign_error("the signed PDF cannot be written", e))?;

    // Find the placeholders in the appended part, fill in the byte range
    // (padded to its placeholder's width), then hash and sign.
    let find = |needle: &[u8]| {
        out[previous_len..].windows(needle.len()).position(|w| w == needle).map(|i| previous_len + i + needle.len())
    };
    let missing = || Error::invalid("pdf", "the signature placeholder was not written as expected");
    let contents_start = find(b"/Contents<").ok_or_else(missing)? - 1;
    let contents_end = contents_start + 2 + 2 * SIGNATURE_ROOM;
    if out.get(contents_end - 1) != Some(&b'>') {
        return Err(missing());
    }
    let range_start = find(b"/ByteRange[").ok_or_else(missing)? - 1;
    let range_end = range_start + out[range_start..].iter().position(|&c| c == b']').ok_or_else(missing)? + 1;
    let mut range = format!("[0 {contents_start} {contents_end} {}", out.len() - contents_end).into_bytes();
    if range.len() + 1 > range_end - range_start {
        return Err(missing());
    }
    range.resize(range_end - range_start - 1, b' ');
    range.push(b']');
    out[range_start..range_end].copy_from_slice(&range);
    let digest = Sha256::new().chain_update(&out[..contents_start]).chain_update(&out[contents_end..]).finalize();
    let signature = identity.sign_digest(&digest)?;
    let hex = hex::encode_upper(&signature);
    if hex.len() > 2 * SIGNATURE_ROOM {
        return Err(Error::invalid("certificate", "the signature with its certificate chain is too large for the PDF"));
    }
    out[contents_start + 1..contents_start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// A PDF text string in UTF-16BE with its byte-order mark, for names in
/// any script.
fn utf16_text(text: &str) -> Vec<u8> {
    let mut out = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

/// The PDF date of a UTC time.
pub fn pdf_date(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("D:%Y%m%d%H%M%S+00'00'").to_string()
}
