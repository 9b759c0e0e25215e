//! The four eSignature actions.
