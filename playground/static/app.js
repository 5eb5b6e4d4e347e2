// Agora's playground: a small Discord-like page over the local Discord. No build step: a plain ES module.
import { markdown, escapeHtml, emojiText } from "/static/markdown.js";

const $ = (selector) => document.querySelector(selector);
const ui = {
  as: $("#as"), badge: $("#me-badge"), leave: $("#leave"), rejoin: $("#rejoin"), join: $("#join"),
  later: $("#later"), clock: $("#clock"), channels: $("#channels"), title: $("#channel-title"),
  topic: $("#channel-topic"), voice: $("#voice-controls"), messages: $("#messages"), posts: $("#posts"),
  composer: $("#composer"), input: $("#composer-input"), options: $("#command-options"),
  suggestions: $("#suggestions"), status: $("#status"), people: $("#people"), server: $("#server-name"),
  modal: $("#modal"), modalForm: $("#modal-form"), modalTitle: $("#modal-title"), modalFields: $("#modal-fields"),
  modalCancel: $("#modal-cancel"),
};

const params = new URLSearchParams(location.search);
const state = {
  me: params.get("as") || "",
  channel: location.hash.slice(1) || "",
  world: null,
  view: null,
  command: null, // the chosen command while its options are being filled
  modal: null, // the interaction whose modal is open
  highlighted: -1,
};

const french = () => (state.world?.me.locale || "").startsWith("fr");
const words = {
  onlyYou: () => (french() ? "Vous seul·e pouvez voir ceci" : "Only you can see this"),
  thinking: () => (french() ? "Agora réfléchit…" : "Agora is thinking…"),
  dismiss: () => (french() ? "Ignorer le message" : "Dismiss message"),
};

// ---- talking to the server ----------------------------------------------------------------------------------
async function get(path) {
  const separator = path.includes("?") ? "&" : "?";
  const response = await fetch(`${path}${separator}as=${encodeURIComponent(state.me)}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

let busy = 0;
async function act(action, body = {}) {
  busy += 1;
  document.body.setAttribute("aria-busy", "true");
  say("");
  try {
    const response = await fetch(`/api/act?as=${encodeURIComponent(state.me)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ action, ...body }),
    });
    const result = await response.json();
    if (!response.ok) {
      say(result.error || "Something went wrong");
      return null;
    }
    if (result.modal) openModal(result.modal);
    await refresh();
    return result;
  } finally {
    busy -= 1;
    if (!busy) document.body.removeAttribute("aria-busy");
  }
}

function say(text) {
  ui.status.textContent = text;
}

async function refresh({ world = true } = {}) {
  if (world) await loadWorld();
  await loadChannel();
}

// ---- the server: members, channels, commands -----------------------------------------------------------------
async function loadWorld() {
  const asked = state.me;
  const world = await get("/api/world");
  if (asked !== state.me) return; // who the page acts as changed meanwhile (a join): a fresher load follows
  state.world = world;
  state.me = world.me.id;
  ui.server.textContent = `${world.guild.name} · Agora playground`;
  document.documentElement.lang = french() ? "fr" : "en";
  renderSwitcher();
  renderChannels();
  renderPeople();
  const hours = world.clock.offset_hours;
  ui.clock.textContent = hours ? `Clock: +${hours} h` : "";
  if (!state.channel || !channelById(state.channel)) {
    const general = world.channels.find((c) => c.name === "general") || world.channels[0];
    state.channel = general ? general.id : "";
  }
}

function channelById(id) {
  if (!state.world) return null;
  if (id === "dm" || id === state.world.dm) return { id: state.world.dm || "dm", kind: "dm", name: "Agora" };
  return state.world.channels.find((c) => c.id === id) || null;
}

function renderSwitcher() {
  const { world } = state;
  ui.as.replaceChildren(
    ...world.people
      .filter((p) => !p.bot)
      .map((p) => {
        const option = document.createElement("option");
        option.value = p.id;
        const notes = [p.owner ? "owner, host" : null, p.locale, p.present ? null : "left"].filter(Boolean);
        option.textContent = `${p.name} (${notes.join(", ")})`;
        option.selected = p.id === world.me.id;
        return option;
      }),
  );
  ui.badge.textContent = world.me.host ? "host" : world.me.present ? "member" : "not a member";
  ui.leave.hidden = !world.me.present || world.people.find((p) => p.id === world.me.id)?.owner;
  ui.rejoin.hidden = world.me.present;
}

function renderChannels() {
  const { world } = state;
  const items = [];
  const group = (title) => {
    const li = document.createElement("li");
    li.className = "group";
    li.textContent = title;
    li.setAttribute("role", "presentation");
    items.push(li);
  };
  const entry = (channel, label, nested = false) => {
    const li = document.createElement("li");
    if (nested) li.className = "nested";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.dataset.channel = channel.id;
    if (channel.id === state.channel) button.setAttribute("aria-current", "page");
    button.addEventListener("click", () => openChannel(channel.id));
    li.append(button);
    items.push(li);
    return li;
  };
  const threadsOf = (parent) => world.channels.filter((c) => c.kind === "thread" && c.parent === parent.id);
  group("Text channels");
  for (const channel of world.channels.filter((c) => c.kind === "text")) {
    entry(channel, `# ${channel.name}`);
    for (const thread of threadsOf(channel)) entry(thread, `${thread.private ? "🔒" : "🧵"} ${thread.name}`, true);
  }
  const forums = world.channels.filter((c) => c.kind === "forum");
  if (forums.length) group("Forums");
  for (const forum of forums) {
    entry(forum, `💬 ${forum.name}`);
    for (const post of threadsOf(forum)) entry(post, `🗨️ ${post.name}`, true);
  }
  const voices = world.channels.filter((c) => c.kind === "voice");
  if (voices.length) group("Voice channels");
  for (const voice of voices) {
    const li = entry(voice, `🔊 ${voice.name}`);
    if (voice.voice?.length) {
      const people = document.createElement("ul");
      people.className = "voice-people";
      people.setAttribute("aria-label", `In ${voice.name}`);
      people.replaceChildren(...voice.voice.map((name) => Object.assign(document.createElement("li"), { textContent: name })));
      li.append(people);
    }
  }
  group("Direct messages");
  entry({ id: world.dm || "dm" }, "✉️ Agora (DM)");
  ui.channels.replaceChildren(...items);
}

function renderPeople() {
  const { world } = state;
  ui.people.replaceChildren(
    ...world.people.map((p) => {
      const li = document.createElement("li");
      li.className = p.present ? "" : "absent";
      const roles = p.roles.filter((r) => !r.endsWith("-perms"));
      li.textContent = `${p.name}${p.bot ? " 🤖" : ""}${p.owner ? " 👑" : ""}`;
      li.title = [p.locale, ...roles].join(" · ");
      return li;
    }),
  );
}

// ---- one channel -----------------------------------------------------------------------------------------------
async function openChannel(id) {
  state.channel = id;
  history.replaceState(null, "", `?as=${state.me}#${id}`);
  renderChannels();
  await loadChannel();
  ui.input.focus();
}

async function loadChannel() {
  const channel = channelById(state.channel);
  if (!channel) return;
  if (channel.id === "dm") {
    state.view = { channel: { id: "dm", kind: "dm", name: "Agora" }, messages: [] };
  } else {
    try {
      state.view = await get(`/api/channels/${channel.id}`);
    } catch (error) {
      say(error.message);
      return;
    }
  }
  renderChannel();
}

function renderChannel() {
  const { channel, messages, posts } = state.view;
  const prefix = { text: "#", thread: "🧵", forum: "💬", voice: "🔊", dm: "✉️" }[channel.kind] || "#";
  ui.title.textContent = `${prefix} ${channel.name}`;
  ui.topic.textContent = channel.topic || (channel.tags?.length ? `Tags: ${channel.tags.join(", ")}` : "");
  renderVoice(channel);
  const stick = ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 80;
  reconcile(ui.messages, messages.map(keptOrRendered));
  ui.posts.hidden = channel.kind !== "forum";
  ui.messages.hidden = channel.kind === "forum";
  if (channel.kind === "forum") renderPosts(posts || [], channel);
  ui.input.placeholder =
    channel.kind === "forum" ? "Type / for a command" : `Message ${prefix}${channel.name}, or type / for a command`;
  if (stick) ui.messages.scrollTop = ui.messages.scrollHeight;
}

// Messages keep their element while they do not change, so a live update neither moves the keyboard focus nor
// reloads images.
const rendered = new Map();

function keptOrRendered(message) {
  const key = JSON.stringify([message, state.world.me.id, state.world.me.locale]);
  const kept = rendered.get(message.id);
  if (kept && kept.key === key) return kept.node;
  const node = renderMessage(message);
  rendered.set(message.id, { key, node });
  return node;
}

function reconcile(list, nodes) {
  nodes.forEach((node, index) => {
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  while (list.children.length > nodes.length) list.lastElementChild.remove();
  const alive = new Set(nodes);
  for (const [id, { node }] of rendered) if (!alive.has(node) && !node.isConnected) rendered.delete(id);
}

function renderVoice(channel) {
  ui.voice.replaceChildren();
  if (channel.kind !== "voice") return;
  const inside = state.world.me.voice === channel.id;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = inside ? `Leave voice (${channel.name})` : `Join voice (${channel.name})`;
  button.addEventListener("click", () => act("voice", { channel: inside ? null : channel.id }));
  const who = document.createElement("span");
  who.className = "topic";
  who.textContent = channel.voice?.length ? `Connected: ${channel.voice.join(", ")}` : "Nobody is connected";
  ui.voice.append(who, button);
}

function renderPosts(posts, forum) {
  const list = posts.map((post) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "post";
    button.innerHTML = `<strong>${escapeHtml(post.name)}</strong> <span class="tags">${escapeHtml(
      (post.tags || []).join(", "),
    )} · ${post.count} message(s)</span><div>${markdown(post.first || "", lookup())}</div>`;
    button.addEventListener("click", () => openChannel(post.id));
    return button;
  });
  const form = document.createElement("form");
  form.setAttribute("aria-label", "New post");
  const tags = Object.entries(forum.tags || {});
  form.innerHTML = `<h3>New post in ${escapeHtml(forum.name)}</h3>
    <label>Title <input name="title" required maxlength="100"></label>
    <label>Message <textarea name="content" required></textarea></label>
    ${tags.length ? `<label>Tag <select name="tag"><option value="">—</option>${tags
      .map(([, name]) => `<option>${escapeHtml(name)}</option>`)
      .join("")}</select></label>` : ""}
    <button type="submit" class="primary">Post</button>`;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    await act("post", { channel: forum.id, title: data.get("title"), content: data.get("content"), tags: data.get("tag") ? [data.get("tag")] : [] });
  });
  ui.posts.replaceChildren(...(list.length ? list : [Object.assign(document.createElement("p"), { textContent: "No posts yet." })]), form);
}

function lookup() {
  const world = state.world;
  return {
    user: (id) => world.people.find((p) => p.id === id)?.name,
    channel: (id) => world.channels.find((c) => c.id === id)?.name,
    role: (id) => world.roles.find((r) => r.id === id)?.name,
    locale: french() ? "fr-FR" : "en-GB",
  };
}

function renderMessage(message) {
  const li = document.createElement("li");
  li.className = `message${message.ephemeral ? " ephemeral" : ""}`;
  li.dataset.message = message.id;
  li.setAttribute("aria-label", `Message from ${message.author.name}`);
  const when = new Date(message.timestamp);
  const head = document.createElement("div");
  head.className = "head";
  head.innerHTML = `<span class="author">${escapeHtml(message.author.name)}</span>${
    message.author.bot ? '<span class="bot-tag">APP</span>' : ""
  }<time datetime="${message.timestamp}">${when.toLocaleString(lookup().locale, { dateStyle: "short", timeStyle: "short" })}</time>${
    message.edited ? '<span class="edited">(edited)</span>' : ""
  }`;
  li.append(head);
  if (message.loading && !message.content) {
    li.append(Object.assign(document.createElement("div"), { className: "loading", textContent: words.thinking() }));
  }
  if (message.content) {
    const content = document.createElement("div");
    content.className = "content";
    content.innerHTML = markdown(message.content, lookup());
    li.append(content);
  }
  for (const embed of message.embeds) li.append(renderEmbed(embed, message));
  if (message.attachments.length) li.append(renderAttachments(message));
  const components = renderComponents(message.components, message);
  if (components) li.append(components);
  if (message.reactions.length || !message.ephemeral) li.append(renderReactions(message));
  if (message.thread) {
    const link = document.createElement("button");
    link.type = "button";
    link.className = "thread-link";
    link.textContent = `🧵 ${message.thread.name} — ${message.thread.count} message(s)`;
    link.addEventListener("click", () => openChannel(message.thread.id));
    li.append(link);
  }
  if (message.ephemeral) {
    const note = Object.assign(document.createElement("div"), { className: "only-you", textContent: `👁 ${words.onlyYou()} · ` });
    const dismiss = Object.assign(document.createElement("button"), { type: "button", className: "link", textContent: words.dismiss() });
    dismiss.addEventListener("click", () => act("dismiss", { message: message.id }));
    note.append(dismiss);
    li.append(note);
  }
  return li;
}

function mediaUrl(url, message) {
  if (!url) return "";
  if (url.startsWith("attachment://")) {
    const name = url.slice("attachment://".length);
    return message.attachments.find((a) => a.filename === name)?.url || "";
  }
  const match = url.match(/\/attachments\/(?:\d+\/)?(\d+)\/([^/?]+)/);
  if (match) return `/cdn/${match[1]}/${match[2]}`;
  return url;
}

function renderEmbed(embed, message) {
  const box = document.createElement("div");
  box.className = "embed";
  if (embed.color !== undefined && embed.color !== null) box.style.borderLeftColor = `#${Number(embed.color).toString(16).padStart(6, "0")}`;
  const parts = [];
  const context = lookup();
  if (embed.thumbnail?.url) parts.push(`<img class="thumbnail" alt="" src="${escapeHtml(mediaUrl(embed.thumbnail.url, message))}">`);
  if (embed.author?.name) parts.push(`<div class="field-name">${escapeHtml(embed.author.name)}</div>`);
  if (embed.title) {
    const title = markdown(embed.title, context);
    parts.push(`<div class="title">${embed.url ? `<a href="${escapeHtml(embed.url)}">${title}</a>` : title}</div>`);
  }
  if (embed.description) parts.push(`<div class="content">${markdown(embed.description, context)}</div>`);
  if (embed.fields?.length) {
    parts.push(
      `<div class="fields">${embed.fields
        .map(
          (f) => `<div class="field${f.inline ? " inline" : ""}"><div class="field-name">${markdown(f.name, context)}</div><div class="content">${markdown(f.value, context)}</div></div>`,
        )
        .join("")}</div>`,
    );
  }
  if (embed.image?.url) {
    parts.push(`<img class="image" alt="${escapeHtml(embed.title || "image")}" src="${escapeHtml(mediaUrl(embed.image.url, message))}">`);
  }
  const footer = [embed.footer?.text ? escapeHtml(embed.footer.text) : "", embed.timestamp ? new Date(embed.timestamp).toLocaleString(context.locale) : ""].filter(Boolean);
  if (footer.length) parts.push(`<div class="footer">${footer.join(" · ")}</div>`);
  box.innerHTML = parts.join("");
  return box;
}

function renderAttachments(message) {
  const box = document.createElement("div");
  box.className = "attachments";
  const shownInEmbeds = new Set(
    message.embeds.flatMap((e) => [e.image?.url, e.thumbnail?.url]).filter(Boolean).map((u) => mediaUrl(u, message)),
  );
  for (const file of message.attachments) {
    if (shownInEmbeds.has(file.url)) continue;
    if (file.content_type.startsWith("image/")) {
      box.append(Object.assign(document.createElement("img"), { src: file.url, alt: file.description || file.filename }));
    } else {
      const link = Object.assign(document.createElement("a"), { href: file.url, className: "attachment", download: file.filename });
      link.textContent = `📎 ${file.filename} (${size(file.size)})`;
      box.append(link);
    }
  }
  return box;
}

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function renderReactions(message) {
  const box = document.createElement("div");
  box.className = "reactions";
  for (const reaction of message.reactions) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "reaction";
    button.setAttribute("aria-pressed", reaction.me ? "true" : "false");
    button.setAttribute("aria-label", `${reaction.label} reaction, ${reaction.count}${reaction.me ? ", yours" : ""}`);
    button.textContent = `${reaction.emoji.startsWith("<") ? reaction.label : reaction.emoji} ${reaction.count}`;
    button.addEventListener("click", () => act(reaction.me ? "unreact" : "react", { message: message.id, emoji: reaction.emoji }));
    box.append(button);
  }
  if (!message.ephemeral) {
    const add = document.createElement("button");
    add.type = "button";
    add.className = "add-reaction";
    add.textContent = "➕ React";
    add.setAttribute("aria-label", "Add a reaction");
    add.addEventListener("click", () => {
      const emoji = prompt("Emoji to react with");
      if (emoji) act("react", { message: message.id, emoji: emoji.trim() });
    });
    box.append(add);
  }
  return box;
}

// ---- components: buttons, select menus, layout ----------------------------------------------------------------
function renderComponents(components, message) {
  if (!components?.length) return null;
  const box = document.createElement("div");
  for (const component of components) {
    const node = renderComponent(component, message);
    if (node) box.append(node);
  }
  return box;
}

function renderComponent(component, message) {
  switch (component.type) {
    case 1: {
      const row = document.createElement("div");
      row.className = "row";
      for (const child of component.components || []) row.append(renderComponent(child, message));
      return row;
    }
    case 2:
      return renderButton(component, message);
    case 3: case 5: case 6: case 7: case 8:
      return renderSelect(component, message);
    case 9: {
      const section = document.createElement("div");
      section.className = "row";
      const text = renderComponents(component.components, message);
      if (text) section.append(text);
      if (component.accessory) section.append(renderComponent(component.accessory, message));
      return section;
    }
    case 10:
      return Object.assign(document.createElement("div"), { className: "content", innerHTML: markdown(component.content || "", lookup()) });
    case 12: {
      const gallery = document.createElement("div");
      for (const item of component.items || []) {
        gallery.append(Object.assign(document.createElement("img"), { src: mediaUrl(item.media?.url, message), alt: item.description || "" }));
      }
      return gallery;
    }
    case 14:
      return document.createElement("hr");
    case 17: {
      const container = document.createElement("div");
      container.className = "container";
      if (component.accent_color != null) container.style.borderLeftColor = `#${component.accent_color.toString(16).padStart(6, "0")}`;
      const inner = renderComponents(component.components, message);
      if (inner) container.append(inner);
      return container;
    }
    default:
      return document.createElement("span");
  }
}

function renderButton(component, message) {
  const label = `${component.emoji ? emojiText(component.emoji) + " " : ""}${component.label || ""}`.trim();
  if (component.style === 5) {
    return Object.assign(document.createElement("a"), { href: component.url, className: "btn-5", textContent: `${label} ↗`, target: "_blank", rel: "noopener" });
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = `btn-${component.style || 2}`;
  button.textContent = label;
  button.disabled = !!component.disabled;
  button.addEventListener("click", () => act("click", { message: message.id, custom_id: component.custom_id }));
  return button;
}

function selectChoices(component) {
  const world = state.world;
  switch (component.type) {
    case 3: return (component.options || []).map((o) => ({ value: o.value, label: `${o.emoji ? emojiText(o.emoji) + " " : ""}${o.label}`, description: o.description, selected: o.default }));
    case 5: return world.people.filter((p) => p.present).map((p) => ({ value: p.id, label: p.name }));
    case 6: return world.roles.map((r) => ({ value: r.id, label: r.name }));
    case 7: return [...world.people.filter((p) => p.present).map((p) => ({ value: p.id, label: p.name })), ...world.roles.map((r) => ({ value: r.id, label: `@${r.name}` }))];
    case 8: return world.channels.map((c) => ({ value: c.id, label: `#${c.name}` }));
    default: return [];
  }
}

function renderSelect(component, message) {
  const wrap = document.createElement("div");
  wrap.className = "row";
  const select = document.createElement("select");
  const label = component.placeholder || (french() ? "Faites un choix" : "Make a selection");
  select.setAttribute("aria-label", label);
  select.disabled = !!component.disabled;
  const many = (component.max_values || 1) > 1;
  if (many) {
    select.multiple = true;
    select.size = Math.min(6, selectChoices(component).length);
  } else {
    select.append(Object.assign(document.createElement("option"), { value: "", textContent: label, disabled: true, selected: true }));
  }
  for (const choice of selectChoices(component)) {
    const option = Object.assign(document.createElement("option"), { value: choice.value, textContent: choice.label });
    if (choice.description) option.title = choice.description;
    if (choice.selected && many) option.selected = true;
    select.append(option);
  }
  const send = () => {
    const values = [...select.selectedOptions].map((o) => o.value).filter(Boolean);
    if (values.length) act("select", { message: message.id, custom_id: component.custom_id, values });
  };
  wrap.append(select);
  if (many) {
    const done = document.createElement("button");
    done.type = "button";
    done.className = "btn-1";
    done.textContent = french() ? "Valider" : "Done";
    done.setAttribute("aria-label", `${done.textContent}: ${label}`);
    done.disabled = select.disabled;
    done.addEventListener("click", send);
    wrap.append(done);
    const hint = `${component.min_values ?? 1}–${component.max_values}`;
    wrap.append(Object.assign(document.createElement("span"), { className: "topic", textContent: french() ? `(choisissez ${hint})` : `(choose ${hint})` }));
  } else {
    select.addEventListener("change", send);
  }
  return wrap;
}

// ---- modals --------------------------------------------------------------------------------------------------------
function modalInputs(modal) {
  const found = [];
  for (const component of modal.components || []) {
    if (component.type === 1) {
      for (const child of component.components || []) found.push({ ...child, label: child.label });
    } else if (component.type === 18 && component.component) {
      found.push({ ...component.component, label: component.label, description: component.description });
    } else if (component.type === 10) {
      found.push({ type: 10, content: component.content });
    }
  }
  return found;
}

function openModal(modal) {
  state.modal = modal;
  ui.modalTitle.textContent = modal.title;
  const fields = modalInputs(modal).map((field, index) => {
    const wrap = document.createElement("div");
    if (field.type === 10) {
      wrap.className = "content";
      wrap.innerHTML = markdown(field.content || "", lookup());
      return wrap;
    }
    const id = `modal-field-${index}`;
    const label = Object.assign(document.createElement("label"), { htmlFor: id, textContent: `${field.label}${field.required === false ? "" : " *"}` });
    let input;
    if (field.type === 4) {
      input = document.createElement(field.style === 2 ? "textarea" : "input");
      if (field.placeholder) input.placeholder = field.placeholder;
      if (field.value) input.value = field.value;
      if (field.max_length) input.maxLength = field.max_length;
      if (field.min_length) input.minLength = field.min_length;
      input.required = field.required !== false;
    } else {
      input = document.createElement("select");
      input.multiple = (field.max_values || 1) > 1;
      if (!input.multiple) input.append(Object.assign(document.createElement("option"), { value: "", textContent: field.placeholder || "—" }));
      for (const choice of selectChoices(field)) input.append(Object.assign(document.createElement("option"), { value: choice.value, textContent: choice.label, selected: !!choice.selected }));
      input.required = field.required !== false && (field.min_values ?? 1) > 0;
    }
    input.id = id;
    input.name = field.custom_id;
    input.dataset.kind = field.type;
    wrap.append(label, input);
    if (field.description) {
      const help = Object.assign(document.createElement("p"), { className: "field-help", id: `${id}-help`, textContent: field.description });
      input.setAttribute("aria-describedby", help.id);
      wrap.append(help);
    }
    return wrap;
  });
  ui.modalFields.replaceChildren(...fields);
  ui.modal.showModal();
  ui.modalFields.querySelector("input, textarea, select")?.focus();
}

ui.modalForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const values = {};
  for (const input of ui.modalFields.querySelectorAll("input, textarea, select")) {
    values[input.name] = input.dataset.kind === "4" ? input.value : [...input.selectedOptions].map((o) => o.value).filter(Boolean);
  }
  const origin = state.modal;
  ui.modal.close();
  state.modal = null;
  await act("submit", { interaction: origin.interaction, values });
});
ui.modalCancel.addEventListener("click", () => {
  ui.modal.close();
  state.modal = null;
});

// ---- the message box: text, or a slash command with its options ------------------------------------------------------
function commandsMatching(text) {
  const typed = text.slice(1).trim().toLowerCase();
  return (state.world?.commands || []).filter(
    (c) => c.label.toLowerCase().startsWith(typed) || c.path.toLowerCase().startsWith(typed),
  );
}

function showSuggestions() {
  const text = ui.input.value;
  if (!text.startsWith("/") || state.command) return hideSuggestions();
  const found = commandsMatching(text).slice(0, 25);
  if (!found.length) return hideSuggestions();
  state.highlighted = Math.min(Math.max(state.highlighted, 0), found.length - 1);
  ui.suggestions.replaceChildren(
    ...found.map((command, index) => {
      const li = document.createElement("li");
      li.id = `suggestion-${index}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", index === state.highlighted ? "true" : "false");
      li.innerHTML = `<strong>/${escapeHtml(command.label)}</strong><span class="desc">${escapeHtml(command.description)}</span>`;
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        chooseCommand(command);
      });
      return li;
    }),
  );
  ui.suggestions.hidden = false;
  ui.input.setAttribute("aria-expanded", "true");
  ui.input.setAttribute("aria-activedescendant", `suggestion-${state.highlighted}`);
}

function hideSuggestions() {
  ui.suggestions.hidden = true;
  ui.input.setAttribute("aria-expanded", "false");
  ui.input.removeAttribute("aria-activedescendant");
}

function chooseCommand(command) {
  state.command = command;
  ui.input.value = `/${command.label} `;
  hideSuggestions();
  renderOptions(command);
  (ui.options.querySelector("input, select") || ui.input).focus();
}

function clearCommand() {
  state.command = null;
  ui.options.hidden = true;
  ui.options.replaceChildren();
}

function optionInput(option, id) {
  const world = state.world;
  const select = (choices, optional) => {
    const input = document.createElement("select");
    if (optional) input.append(Object.assign(document.createElement("option"), { value: "", textContent: "—" }));
    for (const [value, label] of choices) input.append(Object.assign(document.createElement("option"), { value, textContent: label }));
    return input;
  };
  const optional = !option.required;
  let input;
  if (option.choices.length) input = select(option.choices.map((c) => [String(c.value), c.name]), optional);
  else if (option.type === 5) input = select([["true", french() ? "Oui" : "True"], ["false", french() ? "Non" : "False"]], optional);
  else if (option.type === 6) input = select(world.people.filter((p) => p.present && !p.bot).map((p) => [p.id, p.name]), optional);
  else if (option.type === 7) {
    const kinds = { 0: "text", 2: "voice", 15: "forum", 11: "thread", 12: "thread", 13: "voice" };
    const allowed = option.channel_types.map((t) => kinds[t]);
    input = select(world.channels.filter((c) => !allowed.length || allowed.includes(c.kind)).map((c) => [c.id, `#${c.name}`]), optional);
  } else if (option.type === 8) input = select(world.roles.filter((r) => r.name !== "@everyone").map((r) => [r.id, `@${r.name}`]), optional);
  else if (option.type === 9) input = select([...world.people.filter((p) => p.present && !p.bot).map((p) => [p.id, p.name]), ...world.roles.map((r) => [r.id, `@${r.name}`])], optional);
  else if (option.type === 11) {
    input = document.createElement("input");
    input.type = "file";
  } else {
    input = document.createElement("input");
    if (option.type === 4 || option.type === 10) {
      input.type = "number";
      if (option.type === 10) input.step = "any";
      if (option.min != null) input.min = option.min;
      if (option.max != null) input.max = option.max;
    } else if (option.max != null) input.maxLength = option.max;
    if (option.autocomplete) {
      const list = document.createElement("datalist");
      list.id = `${id}-choices`;
      input.setAttribute("list", list.id);
      input.addEventListener("input", () => autocomplete(option, input, list));
      input.addEventListener("focus", () => autocomplete(option, input, list));
      queueMicrotask(() => input.after(list));
    }
  }
  input.required = option.required;
  return input;
}

async function autocomplete(option, input, list) {
  const command = state.command;
  const result = await fetch(`/api/act?as=${encodeURIComponent(state.me)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ action: "autocomplete", command: command.path, channel: currentChannelId(), focused: option.name, options: { ...optionValuesSync(), [option.name]: input.value } }),
  }).then((r) => r.json());
  if (!result.choices) return;
  list.replaceChildren(...result.choices.map((c) => Object.assign(document.createElement("option"), { value: c.value, label: c.name, textContent: c.name })));
}

function renderOptions(command) {
  const rows = [];
  const hint = Object.assign(document.createElement("p"), { className: "hint", textContent: command.description });
  rows.push(hint);
  command.options.forEach((option, index) => {
    const id = `option-${index}`;
    const label = Object.assign(document.createElement("label"), { htmlFor: id, textContent: `${option.label}${option.required ? " *" : ""}` });
    const input = optionInput(option, id);
    input.id = id;
    input.name = option.name;
    input.dataset.type = option.type;
    input.title = option.description;
    const holder = document.createElement("div");
    holder.append(input);
    rows.push(label, holder);
  });
  ui.options.replaceChildren(...rows);
  ui.options.hidden = false;
}

function optionValuesSync() {
  const values = {};
  for (const input of ui.options.querySelectorAll("input, select")) {
    if (input.type === "file" || input.value === "") continue;
    values[input.name] = input.value;
  }
  return values;
}

async function optionValues() {
  const values = optionValuesSync();
  for (const input of ui.options.querySelectorAll("input[type=file]")) {
    const file = input.files?.[0];
    if (!file) continue;
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    values[input.name] = { filename: file.name, data: btoa(binary) };
  }
  return values;
}

function currentChannelId() {
  const channel = state.view?.channel;
  if (!channel || channel.kind === "dm" || channel.kind === "forum") {
    const general = state.world.channels.find((c) => c.name === "general");
    return channel?.kind === "forum" ? channel.id : general?.id;
  }
  return channel.id;
}

ui.input.addEventListener("input", () => {
  if (state.command && !ui.input.value.startsWith(`/${state.command.label}`)) clearCommand();
  state.highlighted = 0;
  showSuggestions();
});
ui.input.addEventListener("keydown", (event) => {
  if (ui.suggestions.hidden) {
    if (event.key === "Escape" && state.command) {
      clearCommand();
      ui.input.value = "";
    }
    return;
  }
  const count = ui.suggestions.children.length;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    state.highlighted = (state.highlighted + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
    showSuggestions();
  } else if (event.key === "Enter" || event.key === "Tab") {
    event.preventDefault();
    const command = commandsMatching(ui.input.value)[state.highlighted];
    if (command) chooseCommand(command);
  } else if (event.key === "Escape") {
    hideSuggestions();
  }
});
ui.input.addEventListener("blur", () => setTimeout(hideSuggestions, 150));

ui.composer.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = ui.input.value.trim();
  if (state.command) {
    const command = state.command;
    const options = await optionValues();
    const result = await act("slash", { command: command.path, channel: currentChannelId(), options });
    if (result) {
      clearCommand();
      ui.input.value = "";
    }
    return;
  }
  if (text.startsWith("/")) {
    const command = commandsMatching(text)[0];
    if (command) chooseCommand(command);
    else say(french() ? "Aucune commande de ce nom" : "No command by that name");
    return;
  }
  if (!text) return;
  const channel = state.view?.channel;
  const result = await act("say", { channel: channel?.kind === "dm" ? "dm" : channel?.id, content: text });
  if (result) {
    ui.input.value = "";
    if (channel?.kind === "dm" && result.channel && state.channel !== result.channel) await openChannel(result.channel);
  }
});

// ---- who you are, the clock --------------------------------------------------------------------------------------------
ui.as.addEventListener("change", async () => {
  state.me = ui.as.value;
  clearCommand();
  history.replaceState(null, "", `?as=${state.me}#${state.channel}`);
  await refresh();
});
ui.leave.addEventListener("click", () => act("leave"));
ui.rejoin.addEventListener("click", () => act("join"));
ui.join.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(ui.join);
  const result = await act("join", { name: data.get("name"), locale: data.get("locale") });
  if (result?.as) {
    state.me = result.as;
    ui.join.reset();
    ui.join.closest("details").open = false;
    history.replaceState(null, "", `?as=${state.me}#${state.channel}`);
    await refresh();
  }
});
ui.later.addEventListener("click", () => act("later"));

// ---- live updates --------------------------------------------------------------------------------------------------------
function listen() {
  const source = new EventSource("/api/events");
  source.addEventListener("message", async (event) => {
    const change = JSON.parse(event.data);
    if (change.world) await loadWorld();
    const current = state.view?.channel?.id;
    const parentChanged = state.view?.channel?.kind === "forum" && change.world;
    if (change.world || parentChanged || change.channels.includes(current) || (current === "dm" && state.world.dm)) {
      if (current === "dm" && state.world.dm) state.channel = state.world.dm;
      await loadChannel();
    }
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  });
}

window.addEventListener("hashchange", () => openChannel(location.hash.slice(1)));
await refresh();
listen();
document.body.dataset.ready = "true";
