//! QR codes of ticket codes, drawn on the server as SVG: the gate scans the code from
//! the phone, and the page needs no script or image service for it.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An inline `<svg>` of `text` with its accessible name, or None when `text` does not
/// fit a QR code (a ticket code, 22 characters, always does).
pub fn svg(text: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let drawn = code
        .render::<svg::Color<'_>>()
        .min_dimensions(168, 168)
        .quiet_zone(true)
        .build();
    // The renderer writes a standalone document; inside HTML only the element belongs.
    let element = &drawn[drawn.find("<svg")?..];
    let label = label
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    Some(element.replacen(
        "<svg",
        &format!(r#"<svg role="img" aria-label="{label}""#),
        1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_code_becomes_one_labelled_svg_element() {
        let drawn = svg("Zm9vYmFyYmF6cXV4MTIzNA", "티켓 QR <코드>").unwrap();
        assert!(
            drawn.starts_with(r#"<svg role="img" aria-label="티켓 QR &lt;코드&gt;""#),
            "{drawn}"
        );
        assert!(!drawn.contains("<?xml"));
        assert!(drawn.trim_end().ends_with("</svg>"));
        // Another code draws another picture.
        assert_ne!(
            drawn,
            svg("another-ticket-code-000", "티켓 QR <코드>").unwrap()
        );
    }
}
