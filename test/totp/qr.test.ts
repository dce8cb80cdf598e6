/**
 * qrSvg: a well-formed SVG, safe to inline in HTML (no script, handlers, foreign content or
 * URI text), deterministic, and at error correction M (the version grows with the URI).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import QRCode from 'qrcode';
import { qrSvg } from '../../src/authn/factors/totp/qr.ts';
import { totpUri } from '../../src/authn/factors/totp/totp.ts';
import { SECRET } from './helpers.ts';

const URI = totpUri({
  issuer: '<script>alert(1)</script>',
  account: 'eve"onload="alert(1)@example.com',
  secret: SECRET,
  digits: 6,
  period: 30,
  algorithm: 'sha1',
});

describe('qrSvg', () => {
  it('renders a single <svg> element with only path children', async () => {
    const svg = await qrSvg(URI);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*>.*<\/svg>\s*$/s);
    const tags = [...svg.matchAll(/<\/?([a-zA-Z:-]+)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(tags)].sort(), ['path', 'svg']);
  });

  it('is safe to inline: no script, event handler, link, foreign content or URI text', async () => {
    const svg = await qrSvg(URI);
    assert.doesNotMatch(svg, /<script/i);
    assert.doesNotMatch(svg, /\son[a-z]+\s*=/i);
    assert.doesNotMatch(svg, /javascript:|href|foreignObject|<style|<!\[CDATA|<\?xml|<!DOCTYPE/i);
    assert.ok(!svg.includes('alert'));
    assert.ok(!svg.includes('otpauth'));
    assert.ok(!svg.includes(SECRET));
  });

  it('uses error correction M and a margin of 2, deterministically', async () => {
    const svg = await qrSvg(URI);
    assert.equal(svg, await qrSvg(URI));
    const qr = QRCode.create(URI, { errorCorrectionLevel: 'M' });
    const side = qr.modules.size + 2 * 2;
    assert.ok(svg.includes(`viewBox="0 0 ${side} ${side}"`), 'module count + margin 2 each side');
    const atL = QRCode.create(URI, { errorCorrectionLevel: 'L' }).modules.size + 4;
    const atH = QRCode.create(URI, { errorCorrectionLevel: 'H' }).modules.size + 4;
    assert.ok(atL < side || atH > side, 'the level actually changes the size for this URI');
  });
});
