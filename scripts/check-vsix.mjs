// The last step of `npm run package`: opens the built .vsix and fails unless it is one package for
// every platform that a user's VS Code can show and run: no native binary anywhere in it (by
// name and by magic number), the files the extension loads, esbuild-wasm for verification, an
// icon, a CHANGELOG and LICENSE, and every image the README shows present inside the package.
import path from "node:path";
import { fileURLToPath } from "node:url";
import yauzl from "yauzl";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const vsix = path.resolve(root, process.argv[2] ?? "chainrule.vsix");

/** Every entry's name with its first bytes (for magic numbers) and, for small text files, its text. */
function readEntries(file) {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const entries = new Map();
      zip.on("error", reject);
      zip.on("end", () => resolve(entries));
      zip.on("entry", (entry) => {
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks = [];
          let size = 0;
          const keepAll = /\.(md|json|xml|vsixmanifest)$/i.test(entry.fileName) && entry.uncompressedSize < 1_000_000;
          stream.on("data", (c) => {
            if (keepAll || size < 8) chunks.push(c);
            size += c.length;
          });
          stream.on("end", () => {
            const data = Buffer.concat(chunks);
            entries.set(entry.fileName, { size, head: data.subarray(0, 8), text: keepAll ? data.toString("utf8") : undefined });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

const MAGIC = [
  ["ELF", (b) => b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46],
  ["Mach-O", (b) => [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(b.readUInt32BE(0))],
  ["PE", (b) => b[0] === 0x4d && b[1] === 0x5a],
];

const entries = await readEntries(vsix);
const problems = [];
const names = [...entries.keys()];
const has = (n) => entries.has(n);

for (const [name, { head, size }] of entries) {
  if (/\.(node|exe|dll|dylib|so)$/i.test(name) || /@esbuild\/|esbuild-(linux|darwin|win32|freebsd)/.test(name)) problems.push(`platform-specific file: ${name}`);
  if (size >= 4) for (const [kind, test] of MAGIC) if (test(head)) problems.push(`${kind} binary: ${name}`);
}

const manifest = entries.get("extension.vsixmanifest")?.text ?? "";
if (/TargetPlatform=/.test(manifest)) problems.push("the manifest names a target platform: the .vsix must be universal");
if (!/Microsoft\.VisualStudio\.Services\.Icons\.Default/.test(manifest)) problems.push("the manifest has no icon asset");

const pkg = JSON.parse(entries.get("extension/package.json")?.text ?? "{}");
const required = [
  "extension/package.json", "extension/dist/extension.js", "extension/dist/server.js", "extension/dist/engine.js",
  "extension/dist/build-ids.json", "extension/dist/verify-worker.js", "extension/dist/lib/runtime/index.js",
  "extension/dist/node_modules/esbuild-wasm/package.json", "extension/dist/node_modules/esbuild-wasm/lib/main.js",
  "extension/dist/node_modules/esbuild-wasm/esbuild.wasm", "extension/dist/node_modules/esbuild-wasm/bin/esbuild", "extension/dist/node_modules/esbuild-wasm/wasm_exec_node.js",
  "extension/docs/diagnostics.md", "extension/changelog.md", "extension/readme.md",
  pkg.icon ? `extension/${pkg.icon}` : "extension/<package.json has no icon>",
];
for (const f of required) if (!has(f) && !has(f.replace(/(changelog|readme)\.md$/, (m) => m.toUpperCase().replace(".MD", ".md")))) problems.push(`missing: ${f}`);
if (!names.some((n) => /^extension\/LICENSE(\.txt|\.md)?$/i.test(n))) problems.push("missing: extension/LICENSE");

// README images: what the extension page shows must come from inside the package (relative
// paths resolve against the installed extension) or from an https URL.
const readme = entries.get("extension/readme.md")?.text ?? entries.get("extension/README.md")?.text ?? "";
const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)[^)]*\)|<img[^>]*\ssrc=["']([^"']+)["']/g)].map((m) => m[1] ?? m[2]);
if (images.length === 0) problems.push("the README shows no image (expected the screenshots)");
for (const src of images) {
  if (/^https:\/\//.test(src)) continue;
  if (/^[a-z]+:/i.test(src)) problems.push(`README image over a non-https URL: ${src}`);
  else if (!has(path.posix.join("extension", path.posix.normalize(src)))) problems.push(`README image not in the package: ${src}`);
}

const total = [...entries.values()].reduce((n, e) => n + e.size, 0);
if (problems.length) {
  console.error(`${path.relative(root, vsix)}: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`${path.relative(root, vsix)}: ${entries.size} files, ${(total / 1e6).toFixed(1)} MB unpacked, universal (no native binary), icon, ${images.length} README images inside the package`);
