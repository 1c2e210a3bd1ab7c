// Madoguchi certificate verifier (docs/trust.md): decoding and Ed25519 verification in the browser.
// The same rules as client/certificate_trust/verify.py; the trust list is cached for offline use.
"use strict";
(function () {
  const STALE_AFTER_MS = 24 * 3600 * 1000;
  const EXPIRED_AFTER_MS = 7 * 24 * 3600 * 1000;
  const LIST_KEY = "madoguchi.trustList";
  const ROOT_KEY = "madoguchi.trustRoot";
  const V1_KEYS = ["d", "i", "k", "m", "n", "s", "t"];
  const V2_KEYS = ["d", "dt", "i", "k", "m", "n", "p", "pc", "s", "t"];
  const TYPES = {
    juminhyo: ["住民票の写し", "Certificate of residence"],
    kisai_jiko: ["住民票記載事項証明書", "Certificate of recorded items"],
    johyo: ["住民票の除票の写し", "Certificate of removed residence record"],
    inkan: ["印鑑登録証明書", "Certificate of registered seal"],
    kazei: ["課税（所得）証明書", "Tax (income) certificate"],
  };
  const enc = new TextEncoder();
  const dec = new TextDecoder("utf-8", { fatal: true });

  class Fail extends Error {
    constructor(code, ja, en) { super(en); this.code = code; this.ja = ja; this.en = en; }
  }

  // ---- encoding helpers -------------------------------------------------------------------
  const B64URL = /^[A-Za-z0-9_-]*$/;
  function b64uDecode(text) {
    if (typeof text !== "string" || !B64URL.test(text) || text.length % 4 === 1) throw new Fail("bad_format", "base64url の形式ではありません。", "not base64url");
    const std = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    const bin = atob(std);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function b64uEncode(bytes) {
    let bin = "";
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  async function keyId(pub) { return hex((await sha256(pub)).slice(0, 8)); }
  function parseTime(text) {
    if (typeof text !== "string") return NaN;
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
    if (!m) return NaN;
    const frac = m[2] ? (m[2] + "000").slice(0, 4) : "";
    return Date.parse(m[1] + frac + m[3]);
  }
  const keyCache = new Map();
  async function ed25519Verify(pub, sig, data) {
    const id = hex(pub);
    let key = keyCache.get(id);
    if (!key) {
      key = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
      keyCache.set(id, key);
    }
    return crypto.subtle.verify({ name: "Ed25519" }, key, sig, data);
  }
  async function openEnvelope(env, pub) {
    if (!env || typeof env.payload !== "string" || typeof env.sig !== "string") throw new Fail("malformed", "署名データの形式が正しくありません。", "not an envelope");
    const body = b64uDecode(env.payload);
    if (!(await ed25519Verify(pub, b64uDecode(env.sig), body))) throw new Fail("bad_signature", "署名が一致しません。", "envelope signature does not verify");
    return JSON.parse(dec.decode(body));
  }

  // ---- the trust list ---------------------------------------------------------------------
  async function readCert(env, issuerPub, issuerKid) {
    const c = await openEnvelope(env, issuerPub);
    if (c.type !== "key-certificate" || c.iss !== issuerKid) throw new Fail("bad_signature", "鍵証明書の発行者が一致しません。", "issuer mismatch");
    const pub = b64uDecode(c.pub);
    if (pub.length !== 32 || (await keyId(pub)) !== c.kid) throw new Fail("malformed", "鍵証明書の鍵と鍵IDが一致しません。", "key id mismatch");
    return { kid: c.kid, pub, role: c.role, m: c.m, terminalId: c.terminal_id, name: c.name,
             nbf: parseTime(c.nbf), exp: parseTime(c.exp), iat: parseTime(c.iat), issuer: c.iss };
  }

  async function readTrustList(text, pinnedRoot) {
    let inner;
    let outer;
    try {
      outer = JSON.parse(text);
      inner = JSON.parse(dec.decode(b64uDecode(outer.payload)));
      if (inner.format !== "madoguchi-trust-list/1") throw new Error("format");
    } catch (e) {
      throw new Fail("trust_list_malformed", "信頼リストの形式が正しくありません。", "malformed trust list");
    }
    try {
      const rootPub = b64uDecode(inner.root.pub);
      if (rootPub.length !== 32 || (await keyId(rootPub)) !== inner.root.kid) throw new Fail("malformed", "ルート鍵が正しくありません。", "root key mismatch");
      if (pinnedRoot && pinnedRoot !== inner.root.kid) {
        throw new Fail("trust_root_mismatch", `信頼リストのルート鍵（${inner.root.kid}）が登録済みのもの（${pinnedRoot}）と異なります。`, "the trust list has another root");
      }
      const signer = await readCert(inner.signer, rootPub, inner.root.kid);
      if (signer.role !== "service") throw new Fail("malformed", "署名鍵の役割が正しくありません。", "signer is not a service key");
      await openEnvelope(outer, signer.pub);
      const issuedAt = parseTime(inner.issued_at);
      if (!(signer.nbf <= issuedAt && issuedAt <= signer.exp)) throw new Fail("bad_signature", "署名鍵が有効期間外です。", "signer not valid at issue time");
      const keys = new Map();
      const issuers = new Map([[inner.root.kid, rootPub]]);
      let pending = inner.keys.slice();
      while (pending.length) {
        const rest = [];
        for (const env of pending) {
          if (!issuers.has(env.kid)) { rest.push(env); continue; }
          const cert = await readCert(env, issuers.get(env.kid), env.kid);
          if ((cert.role === "terminal") === (cert.issuer === inner.root.kid)) throw new Fail("malformed", "鍵の階層が正しくありません。", "hierarchy violated");
          if (!keys.has(cert.kid)) keys.set(cert.kid, []);
          keys.get(cert.kid).push(cert);
          if (cert.role === "municipality") issuers.set(cert.kid, cert.pub);
        }
        if (rest.length === pending.length) throw new Fail("bad_signature", "発行者の分からない鍵証明書があります。", "unknown issuer");
        pending = rest;
      }
      if (!keys.has(signer.kid)) keys.set(signer.kid, []);
      keys.get(signer.kid).push(signer);
      const revocations = new Map(inner.revocations.map((r) => [r.kid, { at: parseTime(r.effective_at), reason: r.reason }]));
      const recalls = new Map(inner.recalls.map((r) => [r.m + "\u0000" + r.n, r]));
      const leases = inner.leases.map((l) => ({ ...l, leasedAt: parseTime(l.leased_at), expiresAt: parseTime(l.expires_at) }));
      const countersignatures = new Map();
      for (const env of inner.countersignatures) {
        // the whole list is signed by the service key: each record is opened when it is needed
        const rec = JSON.parse(dec.decode(b64uDecode(env.payload)));
        countersignatures.set(rec.m + "\u0000" + rec.n, { env, rec });
      }
      return { issuedAt, rootKid: inner.root.kid, keys, revocations, recalls, leases, countersignatures };
    } catch (e) {
      if (e instanceof Fail && e.code === "trust_root_mismatch") throw e;
      throw new Fail("trust_list_bad_signature", "信頼リストの署名を確認できません（改ざんまたは破損のおそれ）。", "trust list rejected: " + (e.en || e.message));
    }
  }

  async function loadTrustList() {
    const pinned = localStorage.getItem(ROOT_KEY);
    let text = null;
    let source = "server";
    try {
      const r = await fetch("/trust/v1/list", { cache: "no-cache" });
      if (!r.ok) throw new Error("HTTP " + r.status);
      text = await r.text();
      if (r.headers.get("X-Madoguchi-Offline")) source = "cache";
    } catch (e) {
      text = localStorage.getItem(LIST_KEY);
      source = "cache";
      if (!text) throw new Fail("trust_list_unavailable", "信頼リストを取得できません（初回はオンラインで開いてください）。", "cannot fetch the trust list and none is cached");
    }
    const listing = await readTrustList(text, pinned);
    if (!pinned) localStorage.setItem(ROOT_KEY, listing.rootKid);
    if (source === "server" || !localStorage.getItem(LIST_KEY)) localStorage.setItem(LIST_KEY, text);
    listing.source = source;
    return listing;
  }

  // ---- the QR token -------------------------------------------------------------------------
  function decodeToken(token) {
    if (typeof token !== "string") throw new Fail("bad_format", "QRコードの内容が証明書の署名データではありません。", "not text");
    token = token.trim();
    const parts = token.split(".");
    if (token.length > 2048 || parts.length !== 3 || (parts[0] !== "MDG1" && parts[0] !== "MDG2")) {
      throw new Fail("bad_format", "QRコードの内容が証明書の署名データの形式ではありません。", "expected MDG1|MDG2.<payload>.<signature>");
    }
    const version = parts[0] === "MDG2" ? 2 : 1;
    const body = b64uDecode(parts[1]);
    const sig = b64uDecode(parts[2]);
    if (b64uEncode(body) !== parts[1] || b64uEncode(sig) !== parts[2]) throw new Fail("bad_format", "QRコードの符号化が正しくありません（再符号化されたおそれ）。", "non-canonical base64url");
    if (sig.length !== 64) throw new Fail("bad_format", "署名の長さが正しくありません。", "an Ed25519 signature has 64 bytes");
    let data;
    try { data = JSON.parse(dec.decode(body)); } catch (e) { throw new Fail("bad_format", "QRコードの内容を読み取れません。", "payload is not JSON"); }
    const want = version === 2 ? V2_KEYS : V1_KEYS;
    if (!data || typeof data !== "object" || Object.keys(data).sort().join(",") !== want.join(",")) throw new Fail("bad_format", "QRコードの項目が正しくありません。", "payload keys differ");
    for (const k of V1_KEYS) if (typeof data[k] !== "string") throw new Fail("bad_format", "QRコードの項目が正しくありません。", "payload values must be text");
    if (version === 2 && (!Array.isArray(data.p) || data.p.length > 4 || !Number.isInteger(data.pc) || typeof data.dt !== "string"
        || !data.p.every((x) => Array.isArray(x) && x.length === 2 && x.every((y) => typeof y === "string")))) {
      throw new Fail("bad_format", "QRコードの項目が正しくありません。", "v2 fields malformed");
    }
    return { version, data, signingInput: enc.encode(parts[0] + "." + parts[1]), sig, token };
  }

  function verdict(status, code, ja, en, extra) { return { status, valid: status === "valid", reason_code: code, message_ja: ja, message_en: en, ...extra }; }

  async function verifyToken(token, listing, now, content) {
    const warnings = [];
    const age = now - listing.issuedAt;
    if (age > STALE_AFTER_MS) {
      const h = Math.floor(age / 3600000);
      warnings.push({ code: "trust_list_stale", message_ja: `信頼リストが${h}時間前のものです。最新の信頼リストで確認してください。`, message_en: `The trust list is ${h} hours old; refresh it` });
    }
    let t;
    try { t = decodeToken(token); } catch (e) { return verdict("invalid", "bad_format", e.ja, e.en, { warnings }); }
    const p = t.data;
    const extra = { payload: p, version: t.version, warnings };
    const certs = listing.keys.get(p.k);
    if (!certs) return verdict("invalid", "unknown_key", `署名鍵（${p.k}）は信頼リストにありません（他のシステムのQRコードか偽造のおそれ）。`, `Unknown signing key ${p.k}`, extra);
    if (!(await ed25519Verify(certs[0].pub, t.sig, t.signingInput))) return verdict("invalid", "bad_signature", "署名が一致しません。QRコードの内容が改ざんされているおそれがあります。", "The signature does not match the payload", extra);
    if (content) {
      if (b64uEncode(await sha256(content.bytes)) !== p.d) return verdict("invalid", "digest_mismatch", "証明書に埋め込まれた記載内容が署名された内容と一致しません。改ざんのおそれがあります。", "The embedded content does not match the signed digest", extra);
      const c = content.data;
      const v2 = JSON.stringify({ p: (c.persons || []).slice(0, 4).map((x) => [x.name, x.birth_text]), pc: (c.persons || []).length, dt: c.issue_date_text });
      if (c.municipality_code !== p.m || c.issue_number !== p.n || c.cert_type !== p.t || (t.version === 2 && v2 !== JSON.stringify({ p: p.p, pc: p.pc, dt: p.dt }))) {
        return verdict("invalid", "content_mismatch", "証明書の発行番号・種類・市区町村・氏名が署名データと一致しません。", "Content and payload differ", extra);
      }
      if (c.training) return verdict("invalid", "training_sample", "研修用の「見本」です。正式な証明書ではありません。", "A training sample (見本), not a certificate", extra);
    }
    if (age > EXPIRED_AFTER_MS) return verdict("cannot_confirm", "trust_list_expired", `信頼リストが古すぎるため（${Math.floor(age / 86400000)}日前）有効性を確認できません。信頼リストを更新してください。`, "Cannot confirm: the trust list is older than 7 days", extra);
    const issued = parseTime(p.i);
    if (Number.isNaN(issued)) return verdict("invalid", "bad_format", "発行日時の形式が正しくありません。", "The issue time is malformed", extra);
    const role = certs[0].role;
    extra.signer_role = role;
    if (role === "service") return verdict("invalid", "wrong_key_role", "この鍵は証明書の署名には使われません。", "A service key never signs certificates", extra);
    const revoked = listing.revocations.get(p.k);
    if (revoked && issued >= revoked.at) return verdict("invalid", "key_revoked", `署名鍵は ${new Date(revoked.at).toISOString()} 以降失効しています（${revoked.reason}）。`, "The signing key was revoked as of " + new Date(revoked.at).toISOString(), extra);
    const cert = certs.find((c) => c.nbf <= issued && issued <= c.exp);
    if (!cert) return verdict("invalid", "key_not_valid_at_issue_time", `署名鍵（${p.k}）は発行日時 ${p.i} に有効ではありませんでした。`, "The key was not certified at the issue time", extra);
    if (role !== "terminal" && cert.m !== p.m) return verdict("invalid", "wrong_municipality", "署名鍵が証明書の市区町村のものではありません。", "The signing key belongs to another municipality", extra);
    if (role === "terminal") {
      const ir = listing.revocations.get(cert.issuer);
      if (ir && cert.iat >= ir.at) return verdict("invalid", "issuer_revoked", "端末鍵を認証した団体鍵が失効しています。", "The municipality key that certified the terminal key was revoked", extra);
    }
    const recall = listing.recalls.get(p.m + "\u0000" + p.n);
    if (recall && recall.kind === "voided") return verdict("invalid", "voided", `この証明書は取り消されています（${recall.reason || "理由未登録"}）。`, "The certificate was voided: " + recall.reason, extra);
    if (recall) return verdict("invalid", "recalled", `この証明書（発行番号 ${p.n}）は誤発行として回収されています（${recall.reason}）。`, "Recalled (誤発行): " + recall.reason, extra);
    if (role !== "terminal") return verdict("valid", "ok", "有効な証明書です（データセンターの団体鍵による署名）。", "Valid certificate (signed online by the municipality key)", extra);
    const cs = listing.countersignatures.get(p.m + "\u0000" + p.n);
    if (cs) {
      const signerCert = (listing.keys.get(cs.env.kid) || [])[0];
      let ok = false;
      try { ok = !!signerCert && signerCert.role === "service" && !!(await openEnvelope(cs.env, signerCert.pub)); } catch (e) { ok = false; }
      const tok = hex(await sha256(enc.encode(t.token)));
      if (!ok || cs.rec.kid !== p.k || cs.rec.tok !== tok) return verdict("invalid", "bcp_countersignature_mismatch", "データセンターが確認した同じ発行番号の証明書と内容が異なります（偽造のおそれ）。", "The data centre confirmed a different certificate under this 発行番号", extra);
      extra.confirmed_at = cs.rec.c;
      return verdict("valid", "bcp_confirmed", `縮退運用（BCP）で発行され、${cs.rec.c} にデータセンターが確認した証明書です。`, "BCP — confirmed by the data centre on " + cs.rec.c, extra);
    }
    const last = p.n.split(" ").pop();
    const serial = /^\d+$/.test(last) ? Number(last) : null;
    const leases = listing.leases.filter((l) => serial !== null && l.m === p.m && (l.terminal_id === cert.terminalId || l.terminal_id === cert.m + "/" + cert.terminalId) && l.first <= serial && serial <= l.last);
    if (!leases.length) return verdict("invalid", "serial_not_leased", "この発行番号はこの端末に貸し出されていません（偽造のおそれ）。", "The serial was never leased to the signing terminal", extra);
    if (revoked || leases.every((l) => l.closed)) return verdict("invalid", "bcp_never_seen", "縮退運用の証明書ですが、データセンターに発行記録がありません（端末の同期は完了済み：偽造のおそれ）。", "BCP certificate the data centre never saw, although the terminal has synced", extra);
    return verdict("provisional", "bcp_unconfirmed", "縮退運用（BCP）で発行された証明書で、データセンターの確認はまだです。署名と端末鍵は有効です。", "BCP — not yet confirmed by the data centre (signature and terminal key are valid)", extra);
  }

  // ---- PDF and images -----------------------------------------------------------------------
  async function inflate(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  function latin1(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return s;
  }
  function qrFromPixels(rgba, width, height) {
    const hit = jsQR(rgba, width, height, { inversionAttempts: "dontInvert" });
    return hit ? hit.data : null;
  }
  async function scanPdf(bytes) {
    const text = latin1(bytes);
    const re = /\d+\s+\d+\s+obj\s*<<((?:(?!endobj)[\s\S])*?)>>\s*stream\r?\n/g;
    let m;
    let embedded = null;
    const codes = [];
    while ((m = re.exec(text)) !== null) {
      const dict = m[1];
      const start = m.index + m[0].length;
      const end = text.indexOf("endstream", start);
      if (end < 0) break;
      re.lastIndex = end;
      const direct = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dict);
      let stop = end;
      if (direct && start + Number(direct[1]) <= end) stop = start + Number(direct[1]);
      else while (stop > start && (bytes[stop - 1] === 0x0a || bytes[stop - 1] === 0x0d)) stop--;
      let data = bytes.subarray(start, stop);
      const isImage = /\/Subtype\s*\/Image/.test(dict);
      const isFile = /\/Type\s*\/EmbeddedFile/.test(dict);
      if (!isImage && !isFile) continue;
      try { if (/\/FlateDecode/.test(dict)) data = await inflate(data); else if (/\/Filter/.test(dict)) continue; } catch (e) { continue; }
      if (isFile) {
        try {
          const doc = JSON.parse(dec.decode(data));
          if (doc.format === "madoguchi-certificate/1") embedded = doc;
        } catch (e) { /* another attachment */ }
        continue;
      }
      const w = Number((/\/Width\s+(\d+)/.exec(dict) || [])[1]);
      const h = Number((/\/Height\s+(\d+)/.exec(dict) || [])[1]);
      const bpc = Number((/\/BitsPerComponent\s+(\d+)/.exec(dict) || [])[1]);
      const channels = /\/DeviceRGB/.test(dict) ? 3 : /\/DeviceGray/.test(dict) ? 1 : 0;
      if (!w || !h || bpc !== 8 || !channels || /\/Decode\s*\[/.test(dict) || Math.min(w, h) < 21 || Math.abs(w - h) > w / 4) continue;
      if (data.length < w * h * channels) continue;
      const rgba = new Uint8ClampedArray(w * h * 4);
      for (let i = 0, j = 0; i < w * h; i++, j += channels) {
        const r = data[j], g = channels === 3 ? data[j + 1] : r, b = channels === 3 ? data[j + 2] : r;
        rgba[4 * i] = r; rgba[4 * i + 1] = g; rgba[4 * i + 2] = b; rgba[4 * i + 3] = 255;
      }
      const code = qrFromPixels(rgba, w, h);
      if (code) codes.push(code);
    }
    return { embedded, codes };
  }

  async function verifyPdfBytes(bytes, listing, now) {
    if (!(bytes.length > 5 && latin1(bytes.subarray(0, 5)) === "%PDF-")) return verdict("invalid", "not_a_pdf", "PDFファイルではありません。", "Not a PDF file", {});
    const { embedded, codes } = await scanPdf(bytes);
    const tokens = new Set(codes.map((c) => c.trim()));
    if (embedded) tokens.add(String(embedded.token).trim());
    if (tokens.size > 1) return verdict("invalid", "multiple_qr", "PDFに内容の異なる複数のQRコードがあります。どちらが正しいか確認できないため無効とします。", `The PDF carries ${tokens.size} different QR codes`, {});
    if (!embedded) {
      if (tokens.size === 1) return verifyToken([...tokens][0], listing, now, null);
      return verdict("invalid", "not_a_certificate", "このPDFには証明書の署名データがありません。", "No certificate data in the PDF", {});
    }
    let content;
    try { content = { bytes: enc.encode(embedded.content), data: JSON.parse(embedded.content) }; } catch (e) {
      return verdict("invalid", "bad_format", "証明書に埋め込まれた記載内容を読み取れません。", "The embedded content cannot be parsed", {});
    }
    if (!codes.length) return verdict("invalid", "qr_mismatch", "PDFに読み取れるQRコードがありません。", "No readable QR code in the PDF", {});
    return verifyToken(embedded.token, listing, now, content);
  }

  async function imageToToken(file) {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    const w = Math.max(1, Math.round(bitmap.width * scale)), h = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = document.createElement("canvas");
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0, w, h);
    const code = jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "attemptBoth" });
    return code ? code.data : null;
  }

  // ---- the page -----------------------------------------------------------------------------
  let current = null;
  let loadError = null;
  const STATUS = { valid: ["有効", "Valid"], provisional: ["BCP — 未確認", "BCP — not yet confirmed"], cannot_confirm: ["確認できません", "Cannot confirm"], invalid: ["無効", "Invalid"] };

  async function ensureList() {
    if (current) return current;
    if (loadError) throw loadError;
    throw new Fail("trust_list_unavailable", "信頼リストがありません。", "no trust list");
  }

  async function verifyInput(input) {
    const now = Date.now();
    let listing;
    try { listing = await ensureList(); } catch (e) { return verdict(e.code === "trust_list_unavailable" ? "cannot_confirm" : "invalid", e.code, e.ja, e.en, {}); }
    try {
      if (input.text !== undefined) return await verifyToken(input.text, listing, now, null);
      const file = input.file;
      const bytes = new Uint8Array(await file.arrayBuffer());
      if (file.type === "application/pdf" || latin1(bytes.subarray(0, 5)) === "%PDF-") return await verifyPdfBytes(bytes, listing, now);
      let token = null;
      try { token = await imageToToken(file); } catch (e) { token = null; }
      if (!token) return verdict("invalid", "no_qr_found", "画像からQRコードを読み取れません。明るい場所で正面から撮り直してください。", "No QR code found in the image", {});
      return await verifyToken(token, listing, now, null);
    } catch (e) {
      return verdict("invalid", e.code || "unreadable", e.ja || "読み取れないデータです。", e.en || String(e.message || e), {});
    }
  }

  function show(v) {
    const box = document.getElementById("result");
    box.hidden = false;
    box.className = v.status;
    box.dataset.status = v.status;
    box.dataset.reason = v.reason_code;
    const [ja, en] = STATUS[v.status];
    document.getElementById("verdict").textContent = `${ja} / ${en}` + (v.status === "valid" ? "" : ` (${v.reason_code})`);
    document.getElementById("message-ja").textContent = v.message_ja;
    document.getElementById("message-en").textContent = v.message_en;
    const warnings = document.getElementById("warnings");
    warnings.replaceChildren(...(v.warnings || []).map((w) => { const li = document.createElement("li"); li.textContent = `${w.message_ja} / ${w.message_en}`; return li; }));
    const rows = [];
    const p = v.payload;
    if (p) {
      (p.p || []).forEach((x, i) => { rows.push([`氏名 Name ${i + 1}`, x[0]]); rows.push([`生年月日 Date of birth ${i + 1}`, x[1]]); });
      if (p.pc > (p.p || []).length) rows.push(["記載人数 Persons", String(p.pc)]);
      rows.push(["種別 Type", (TYPES[p.t] || [p.t, p.t]).join(" / ")]);
      rows.push(["発行番号 Issue number", p.n]);
      rows.push(["発行日 Date of issue", p.dt || p.i]);
      rows.push(["市区町村コード Municipality", p.m]);
      rows.push(["署名鍵 Signing key", `${p.k} (${v.signer_role === "terminal" ? "端末・BCP / terminal (BCP)" : "団体 / municipality"})`]);
      if (v.confirmed_at) rows.push(["データセンター確認 Confirmed", v.confirmed_at]);
    }
    document.querySelector("#fields tbody").replaceChildren(...rows.map(([k, val]) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th"); th.textContent = k;
      const td = document.createElement("td"); td.textContent = val;
      tr.append(th, td);
      return tr;
    }));
  }

  function showList() {
    const el = document.getElementById("trust-status");
    if (!current) {
      el.className = "error";
      el.textContent = `${loadError ? loadError.ja : "信頼リストがありません。"} / ${loadError ? loadError.en : "no trust list"}`;
      return;
    }
    const age = Date.now() - current.issuedAt;
    el.className = age > STALE_AFTER_MS ? "stale" : "";
    const when = new Date(current.issuedAt).toISOString();
    el.textContent = `信頼リスト: ${when} 発行（${current.source === "cache" ? "保存済み・オフライン" : "最新"}） / Trust list issued ${when} (${current.source === "cache" ? "cached, offline" : "fresh"})`;
    el.dataset.source = current.source;
  }

  async function init() {
    try { current = await loadTrustList(); } catch (e) { loadError = e; current = null; }
    showList();
    document.body.dataset.ready = "1";
  }

  window.MadoguchiVerify = { readTrustList, verifyToken, verifyPdfBytes, decodeToken, verifyInput, loadTrustList,
                             get listing() { return current; } };

  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("check").addEventListener("click", async () => {
      const file = document.getElementById("file").files[0];
      const text = document.getElementById("text").value;
      const v = text.trim() ? await verifyInput({ text }) : file ? await verifyInput({ file }) :
        verdict("invalid", "no_input", "PDF・写真を選ぶか、QRコードの文字列を貼り付けてください。", "Choose a file or paste the QR text", {});
      show(v);
    });
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/verify-sw.js", { scope: "/verify" }).catch(() => {});
    init();
  });
})();
