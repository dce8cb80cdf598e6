/**
 * The enrolment QR code: the otpauth:// URI rendered as an SVG string (error correction M,
 * margin 2) with the `qrcode` package. The output is only <svg> and <path> elements with
 * numeric geometry and fixed colours (no script, no event handlers, no text from the URI),
 * so it is safe to inline in an HTML page; test/totp/qr.test.ts checks that.
 */

export async function qrSvg(uri: string): Promise<string> {
  // loaded at the first enrolment: a gateway at rest does not carry the QR and PNG code
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
