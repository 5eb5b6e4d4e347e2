// Discord's markdown, the parts Agora uses: bold, italic, underline, strike, code, code blocks, quotes, headings,
// subtext, lists, links, and mentions, channels, roles, custom emoji and timestamps. Text is escaped first.

export function escapeHtml(text) {
  return String(text ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

export function emojiText(emoji) {
  if (!emoji) return "";
  return emoji.id ? `:${emoji.name}:` : emoji.name;
}

const STYLES = {
  t: { timeStyle: "short" },
  T: { timeStyle: "medium" },
  d: { dateStyle: "short" },
  D: { dateStyle: "long" },
  f: { dateStyle: "long", timeStyle: "short" },
  F: { dateStyle: "full", timeStyle: "short" },
};

function relative(date, locale) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
  const [unit, size] = units.find(([, s]) => Math.abs(seconds) >= s) || ["second", 1];
  return new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(Math.round(seconds / size), unit);
}

function inline(text, context) {
  // Escaped characters and code spans first, kept aside so nothing inside them is formatted.
  const codes = [];
  let html = text.replace(/\\([*_`~|>#\\-])/g, (_, character) => {
    codes.push(character);
    return `\u0000${codes.length - 1}\u0000`;
  });
  html = html.replace(/`([^`\n]+)`/g, (_, code) => {
    codes.push(`<code>${code}</code>`);
    return `\u0000${codes.length - 1}\u0000`;
  });
  html = html
    .replace(/&lt;@!?(\d+)&gt;/g, (_, id) => `<span class="mention">@${escapeHtml(context.user(id) || "unknown")}</span>`)
    .replace(/&lt;@&amp;(\d+)&gt;/g, (_, id) => `<span class="mention">@${escapeHtml(context.role(id) || "role")}</span>`)
    .replace(/&lt;#(\d+)&gt;/g, (_, id) => `<span class="mention">#${escapeHtml(context.channel(id) || "channel")}</span>`)
    .replace(/&lt;a?:([\w~-]+):\d+&gt;/g, ":$1:")
    .replace(/&lt;t:(-?\d+)(?::([tTdDfFR]))?&gt;/g, (_, seconds, style) => {
      const date = new Date(Number(seconds) * 1000);
      const shown = style === "R" ? relative(date, context.locale) : date.toLocaleString(context.locale, STYLES[style || "f"]);
      return `<time datetime="${date.toISOString()}">${escapeHtml(shown)}</time>`;
    })
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>')
    .replace(/\*\*\*([^*\n]+)\*\*\*/g, "<strong><em>$1</em></strong>")
    .replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>")
    .replace(/__([^_\n]+)__/g, "<u>$1</u>")
    .replace(/(^|[^\w*])\*([^*\n]+)\*(?!\w)/g, "$1<em>$2</em>")
    .replace(/(^|[^\w])_([^_\n]+)_(?!\w)/g, "$1<em>$2</em>")
    .replace(/~~([^~\n]+)~~/g, "<s>$1</s>")
    .replace(/\|\|([^|\n]+)\|\|/g, '<span class="spoiler">$1</span>');
  return html.replace(/\u0000(\d+)\u0000/g, (_, index) => codes[Number(index)]);
}

export function markdown(text, context) {
  const source = escapeHtml(text);
  const blocks = [];
  // Fenced code blocks are taken out whole.
  const withoutFences = source.replace(/```(?:\w*\n)?([\s\S]*?)```/g, (_, code) => {
    blocks.push(`<pre><code>${code}</code></pre>`);
    return `\u0001${blocks.length - 1}\u0001`;
  });
  const lines = withoutFences.split("\n").map((line) => {
    let match;
    if ((match = line.match(/^(#{1,3}) (.*)$/))) return `<h${match[1].length + 0}>${inline(match[2], context)}</h${match[1].length}>`;
    if ((match = line.match(/^-# (.*)$/))) return `<small>${inline(match[1], context)}</small>`;
    if ((match = line.match(/^&gt; ?(.*)$/))) return `<blockquote>${inline(match[1], context)}</blockquote>`;
    if ((match = line.match(/^(\s*)[-*] (.*)$/))) return `${match[1]}• ${inline(match[2], context)}`;
    return inline(line, context);
  });
  const joined = lines.join("\n").replace(/<\/(h\d|blockquote)>\n/g, "</$1>");
  return joined.replace(/\u0001(\d+)\u0001/g, (_, index) => blocks[Number(index)]);
}
