"""Pseudonymisation of social handles (docs/privacy.md): which strings are
handles (:func:`find_handles`), the salted pseudonym of one
(:func:`pseudonym`), and the replacement in a text (:func:`pseudonymise`,
:func:`strip_status_ids`).

No imports from the rest of the pipeline, so stages that only map ids
(:class:`pipeline.privacy.StoredKeys`) depend on this module alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable


def pseudonym(handle: str, salt: str) -> str:
    """Return the pseudonym of a social handle: ``user_`` + the first 10 hex
    digits of sha256(salt + lower-cased handle) — the scheme of the demo
    corpus (corpus README). One mapping for every source and field, so an
    account has one pseudonym everywhere (``@Name``, ``x.com/name``)."""
    digest = hashlib.sha256((salt + handle.lower().lstrip("@")).encode("utf-8")).hexdigest()
    return f"user_{digest[:10]}"


#: A pseudonym as :func:`pseudonym` writes it.
PSEUDONYM = re.compile(r"^user_[0-9a-f]{10}$")
#: Hosts that show X posts under ``/<handle>/status/<id>``: X and Twitter (www., mobile., m.),
#: the embed fixers (vxtwitter, fxtwitter, fixupx, fixvx, twittpr) and Nitter front ends
#: (any host with a ``nitter`` label, and xcancel.com).
_X_HOST = (r"(?:(?:www|mobile|m)\.)?(?:x|twitter|vxtwitter|fxtwitter|fixupx|fixvx|twittpr|xcancel)\.com"
           r"|(?:[a-z0-9-]+\.)*nitter(?:\.[a-z0-9-]+)+")
#: First path segments of X URLs that are not accounts (x.com/i/status/…, x.com/search?…).
_X_RESERVED = frozenset({"i", "home", "search", "explore", "hashtag", "intent", "share", "settings", "messages",
                         "notifications", "compose", "login", "logout", "signup", "tos", "privacy", "about",
                         "download", "jobs", "account", "help", "web", "status", "statuses", "communities"})
#: Words after ``@`` that are code in technical notes, not accounts (lower case only; ``@Media``
#: stays a handle): CSS at-rules and common Python/TypeScript decorators and doc tags.
CODE_AT_WORDS = frozenset({"media", "import", "supports", "keyframes", "charset", "namespace", "layer",
                           "container", "property", "staticmethod", "classmethod", "dataclass", "abstractmethod",
                           "override", "cache", "lru_cache", "cached_property", "wraps", "contextmanager",
                           "overload", "param", "returns", "return", "type", "deprecated", "throws"})
#: Chinese, Japanese and Korean characters (CJK punctuation, kana, ideographs, Hangul, full-width
#: forms): Python counts them as word characters, but ``即刻网友@name对`` is a mention, not an e-mail,
#: and the mention ends where the CJK text starts.
_CJK = r"\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef"
#: What may stand before the ``@`` of a mention: not a word character, ``@``, ``.``, ``+`` or ``-``
#: (so e-mail addresses such as ``ostp-ai-rﬁ@nitrd.gov`` are not handles), except a CJK character.
_AT = rf"(?:(?<![\w@.+-])|(?<=[{_CJK}]))@"
#: Words that make a ``Word-Word-1234`` name a model or product, not a Reddit user (compared
#: lower case, either word): the model names of that shape in the demo corpus (session-16 survey
#: of ``documents``: Qwen-Image-2512, Magistral-Small-2506, Devstral-Small-2505, Ling-Lite-0415,
#: Gemini-Exp-1206, Mistral-Large-3, Audio-Flamingo-2, Deep-Hermes-4, Unsloth-Qwen3,
#: Genesis-Science-1) and the model families of ``corpora/model_names.yaml`` that could take it.
MODEL_WORDS = frozenset({"qwen", "mistral", "magistral", "devstral", "ministral", "codestral", "mixtral", "ling",
                         "gemini", "gemma", "grok", "deepseek", "llama", "kimi", "glm", "minimax", "hermes",
                         "flamingo", "unsloth", "genesis", "phi", "olmo", "ernie", "hunyuan", "nemotron", "claude",
                         "sonnet", "opus", "haiku", "gpt", "sora", "janus", "flux", "wan", "seed", "kling"})
#: Last parts of a domain name (lower case): ``@name.ai`` or ``@name.com`` is an organisation's
#: mail domain, site or Bluesky custom handle (``@perplexity.ai``, ``@cohere.com``,
#: ``@simonwillison.net``, ``@natolambert.bsky``), whose dotted tail is not part of the handle; any
#: other ``.part`` is (Discord names hold dots: ``@foo.bar``; session-19 review).
_DOMAIN_ENDS = r"(?i:com|ai|net|org|io|edu|gov|co|dev|app|me|so|sh|gg|tv|us|uk|de|fr|cn|jp|in|ca|au|eu|ch|nl|xyz|" \
    r"info|biz|social|bsky)"
#: One pass, leftmost match first: Bluesky profile URLs, X-like URLs (scheme optional, not
#: inside a longer host such as netflix.com), Reddit user URLs and ``u/name`` (``/u/name``; not
#: inside a path such as ``example.com/u/x``; Reddit names are 3 to 20 of ``[A-Za-z0-9_-]``),
#: Bluesky ``@name.bsky.social``, then ``@mentions`` (see :data:`_AT`; up to 32 word
#: characters, X allows 15, Discord 32, with ``-`` parts as in Jike names (``@Foo-Bar``) and
#: ``.`` parts as in Discord names (lower case, as Discord allows; not :data:`_DOMAIN_ENDS`); a Mastodon
#: ``@name@host`` is one handle), and last Reddit's generated user names written in prose
#: without ``u/`` (``Some_Name_1234``, ``Some-Name-1234``, ``Some_Name1234``: two
#: capitalised words joined by ``_`` or ``-``, then 1 to 4 digits; or Reddit's older shape,
#: two capitalised words run together and 4 digits that are not a year, ``SomeName1234``,
#: while ``FlashAttention2``, ``CloudMatrix384``, a footnote ``HathiTrust111`` and a hashtag
#: ``DelhiElection2025`` are not; not inside a longer name such as ``Qwen-Image-Edit-2509``, nor
#: followed by ``-8B`` or ``.5``; see :data:`MODEL_WORDS`).
_HANDLE = re.compile(
    r"(?P<bsky_url>(?<![\w.-])(?:https?://)?(?:www\.)?bsky\.app/profile/)(?P<bsky_id>[\w:-]+(?:\.[\w:-]+)*)"
    rf"|(?P<x_url>(?<![\w.-])(?:https?://)?(?:{_X_HOST})/(?:#!/)?@?)(?P<x_id>[A-Za-z0-9_]{{1,15}})(?![\w])"
    r"|(?P<reddit_url>(?<![\w.-])(?:https?://)?(?:(?:www|old|new|np)\.)?reddit\.com/(?:user|u)/)"
    r"(?P<reddit_id>[A-Za-z0-9_-]{3,20})(?![\w-])"
    r"|(?<![\w/])(?-i:/?u/)(?P<reddit_u>[A-Za-z0-9_-]{3,20})(?![\w/-])"
    rf"|{_AT}(?P<bsky_at>[a-z0-9-]+(?:\.[a-z0-9-]+)*\.bsky\.social)(?![\w.-])"
    rf"|{_AT}(?P<at>[A-Za-z0-9_]{{1,32}}(?:-[A-Za-z0-9_]+)*(?-i:\.(?!{_DOMAIN_ENDS}\b)[a-z0-9_]+)*"
    rf"(?:@[\w-]+(?:\.[\w-]+)+)?)(?![^\W{_CJK}]|@)"
    r"|(?<![\w./@-])(?-i:(?P<reddit_gen>[A-Z][a-z]+[_-][A-Z][a-z]+[_-]?[0-9]{1,4}"
    r"|[A-Z][a-z]+[A-Z][a-z]+(?!19|20)[0-9]{4}))(?![\w-]|\.[0-9])",
    re.IGNORECASE)
#: The named groups of :data:`_HANDLE` that hold the handle itself.
_HANDLE_GROUPS = ("bsky_id", "x_id", "reddit_id", "reddit_u", "bsky_at", "at", "reddit_gen")


#: Recap prose that names Reddit commenters by their user names, without ``u/`` ("users like
#: fooqux and barbaz noting …", "Users such as Some_Name and Some_Name1"; about
#: 40 names in AINews recaps, session-16 survey): the list after "users like/such as/including".
_USER_LIST = re.compile(r"\b(?:[Uu]sers?|[Cc]ommenters?|[Rr]edditors?|[Pp]osters?)\s+(?:like|such as|including)\s+"
                        r"(?P<list>[@\w.-]+(?:(?:,\s*(?:and\s+)?|\s+and\s+)[@\w.-]+){0,5})(?P<after>\s+\w+)?")
#: Verbs after a list that make its names commenters' ("users like fooqux note that …").
_REPORTING = re.compile(r"\s+(?:not(?:e|ing)|mention|express|argu|point|report|discuss|prais|suggest|shar|compar|"
                        r"question|highlight|appreciat|impress|call|say|said|claim|comment|find|found|prefer|warn|"
                        r"observ|complain|describ|recommend|ask|wonder|believ|think|thought|feel|felt|agre|disagre|"
                        r"emphasi|critici)\w*$")
#: Words that end a list of names ("users like Some_Name and user_…, who express …").
_LIST_END = frozenset({"who", "whose", "which", "that", "while", "with", "as", "but", "or", "the", "their", "its",
                       "both", "others", "other", "some", "many", "also"})


#: A user name as the subject of a reporting verb in recap prose ("Some_Long_Name questioned …",
#: "Some_Name highlights …", "fooqux2023 express disappointment", "Fooqux42 highlights …";
#: about 145 names in AINews recaps, session-17 survey): a word with ``_`` between letters or
#: digits, or two or more letters (not all capitals, not a model word) then two or more digits,
#: followed by a verb of :data:`_SAYS`. Names without ``_`` or digits ("fooquxbar
#: suggests") cannot be told from words and stay. "provides" and "found" are not in the list:
#: docket comments glue footnote numbers to words ("Privacy Act11 provides", "Salt Labs66
#: found"); one such word remains ("updates10 explains", an NTIA comment). "raises" counts unless
#: an exception follows (code: "read_until_delimiter raises EOF"); it and "inquires", "seeks",
#: "requested", "clarifies", "speculates", "insists", "counters", "encountered" joined the list in
#: session 20 (about 25 Reddit and Discord users of AINews recaps stayed raw with them:
#: "Foo_Bar inquires about …", "quxbaz11 raises …", "foo_bar4 inquired …").
_SAYS = (r"(?:not(?:es|ed)|mention(?:s|ed)|suggest(?:s|ed)|argue[sd]|point(?:s|ed) out|highlight(?:s|ed)|"
         r"share[sd]|express(?:es|ed)?|question(?:s|ed)|report(?:s|ed)|compare[sd]|emphasi[sz](?:es|ed)|"
         r"discuss(?:es|ed)|ask(?:s|ed)|says|said|claim(?:s|ed)|thinks|thought|believes?|recommend(?:s|ed)|"
         r"warn(?:s|ed)|comment(?:s|ed)|critique[sd]|explain(?:s|ed)|add(?:s|ed)|respond(?:s|ed)|"
         r"repl(?:ies|ied)|(?:dis)?agree[sd]?|observe[sd]|prefer(?:s|red)|predict(?:s|ed)|praise[sd]|describe[sd]|"
         r"inquire[sd]|seeks|request(?:s|ed)|clarifie[sd]|speculate[sd]|insist(?:s|ed)|counter(?:s|ed)|"
         r"encounter(?:s|ed)|raise[sd](?!\s+(?:[A-Z]{2,}\b|\w*(?:Error|Exception)\b)))")
_COMMENTER = re.compile(r"(?<![\w@#/.\\-])(?P<name>[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+_?|(?P<letters>[A-Za-z]{2,})[0-9]{2,})"
                        rf"(?![\w@-])(?=\s+{_SAYS}\b)")


#: The author of a message quoted under an AINews Discord channel heading ("GPU MODE ▷ #rocm (1
#: messages):  foo_bar_12345: happy to release …"; about 150 names, session-17 survey): a
#: Discord user name (letters, digits, ``_`` and ``.``), then ``:``. Not matched elsewhere in the
#: text: the name can be a bot or a company's account ("OpenAI: …" in #announcements).
_DISCORD = re.compile(r"▷ #[^\n()]{1,80}\(\d+ messages?[^)\n]{0,20}\):\s+"
                      r"(?P<name>[A-Za-z0-9_][A-Za-z0-9_.]{1,31}):(?=\s)")


#: The display name printed before an account's handle, which the handle's pseudonym would otherwise sit beside
#: (session-28 reviews: 262 names in AINews pages, then 31 and 30 more pairs). Shapes: after a lead that says a
#: name follows ("Tweet from Foo Bar (@FooQux01): …", "…textQuoting Foo (FB) Bar (@foo_bar)", "Link mentioned:
#: Foo (@foo)"; any name up to 60 characters, "jack", "Fox 🦊"); a tweet embed's signature before its date ("—
#: Foo Bar (@foo) January 27, 2025", or "Foo Bar (@foo) Feb 2 2025" without the dash); an X page's title ("Foo
#: Bar (@foo) on X"); a list line's name before a colon ("- Foo Bar (@foo): …"). Not in prose: AINews recaps
#: cite sources as "… strong results on Design Arena (@foo)". The name becomes the handle's pseudonym (an
#: organisation's account keeps its display name, :func:`pseudonymise`).
_NAME = r"(?P<name>(?:[^()\n@:—]|\([^()\n@:]{1,12}\)){1,60}?)"
#: The handle in brackets after a display name: X, Bluesky, or a custom domain ("@quinnypig.com",
#: "@not.euclaise.xyz"); the handle the name stands for is the one :func:`find_handles` finds there.
_AT_HANDLE = r" \(@(?P<handle>[A-Za-z0-9_][\w.-]{0,60})\)"
_WORDS = r"(?P<name>[A-Z][a-z][\w'’.-]*(?:[ \t]+[A-Z][a-z][\w'’.-]*){0,3})"  # "Sam Altman", "Jim Carroll"
_DATE = r"(?=[ \t]+[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4})"  # "March 25, 2026", "Feb 2 2025"
_DISPLAY_NAMES = (
    re.compile(r"(?:(?:^[ \t]*[-*•][ \t]+)?(?:\bLink mentioned:[ \t]+)?(?:\bTweet from|Quoting)|\bLink mentioned:)"
               r"[ \t]+" + _NAME + _AT_HANDLE, re.MULTILINE),
    re.compile(r"—[ \t]+" + _NAME + _AT_HANDLE + _DATE),
    re.compile(r"(?:(?<=\s)|^)" + _WORDS + _AT_HANDLE + _DATE, re.MULTILINE),  # a signature without its dash
    re.compile(_WORDS + _AT_HANDLE + r"(?= on X\b)"),  # an X page's title, "Sam Altman (@sama) on X: …"
    re.compile(r"^[ \t]*[-*•][ \t]+(?!Tweet from|Quoting|Link mentioned)(?P<name>[^()\n@:—.!?]{1,40}?)" + _AT_HANDLE
               + "(?=:)", re.MULTILINE),
)


#: An account introduced as one in recap prose ("a message from a user named fooqux134", "updated
#: by a user named FOOQUX-zR", "A user named quxbar adds …"; 4 places in Reddit recaps'
#: image descriptions, session-18 survey): the one word after "user/account/poster/commenter/
#: redditor named" or "with the handle/username". "users called it …" is not one ("called" is
#: left out); neither is a model word ("a model named Qwen" has no user noun anyway).
_NAMED = re.compile(r"\b(?:[Uu]ser|[Aa]ccount|[Pp]oster|[Cc]ommenter|[Rr]edditor)s?\s+(?:(?:nick)?named|"
                    r"with the (?:handle|username|user name))\s+[\"'“‘]?@?(?P<name>[A-Za-z0-9][\w.-]*[A-Za-z0-9_]|"
                    r"[A-Za-z0-9])(?![\w@-])")


def _named(value: str) -> list[tuple[int, int, str]]:
    """The :data:`_NAMED` accounts of ``value`` (``(start, end, name)``):
    not pseudonyms, not model words, not a lone character."""
    out = []
    for m in _NAMED.finditer(value):
        name = m.group("name")
        if len(name) < 2 or PSEUDONYM.match(name) or not MODEL_WORDS.isdisjoint(re.findall(r"[a-z]+", name.lower())):
            continue
        out.append((m.start("name"), m.end("name"), name))
    return out


def _commenters(value: str) -> list[tuple[int, int, str]]:
    """The :data:`_COMMENTER` names of ``value`` (``(start, end, name)``)."""
    out = []
    for m in _COMMENTER.finditer(value):
        letters = m.group("letters")
        if letters and (letters.isupper() or letters.lower() in MODEL_WORDS):
            continue
        if PSEUDONYM.match(m.group("name")) or not re.search("[A-Za-z]", m.group("name")):
            continue
        out.append((m.start(), m.end(), m.group("name")))
    return out


def _user_list(value: str) -> list[tuple[int, int, str]]:
    """The commenters' names of :data:`_USER_LIST` lists in ``value``, as
    :func:`find_handles` gives them. A list counts when a reporting verb
    follows it (:data:`_REPORTING`: "users like fooqux and barbaz
    discuss …") or when each of its words has a user name's form (a digit
    or ``_``, not a model name such as ``GLM-5``; an inner capital,
    ``CamelName``; or a pseudonym already). Lists of ordinary words
    ("users such as businesses and their customers", a docket comment) and
    of names of several words ("users like Sanofi, AbbVie, and Novo
    Nordisk") do not count; in a list that counts, every word but a
    pseudonym, an ``@mention`` or a model word (:data:`MODEL_WORDS`) is a
    user name."""
    out = []
    for m in _USER_LIST.finditer(value):
        items = [(i.start(), i.group().strip(".-")) for i in re.finditer(r"[@\w.-]+", m.group("list"))
                 if i.group() != "and"]
        cut = next((k for k, (_, w) in enumerate(items) if w.lower() in _LIST_END), len(items))
        items, after = items[:cut], (None if cut < len(items) else m.group("after"))
        if not items:
            continue
        if re.match(r"[^\S\n]+[A-Z][a-z]+\b", value[m.end("list"):]) and items[-1][1][:1].isupper() and \
                m.group("list")[-1].isalnum():
            continue  # "users like George Coles", "… and Novo Nordisk": a name of several words
        formed = all(PSEUDONYM.match(w.lstrip("@")) or re.search(r"[a-z][A-Z]", w) or
                     (re.search(r"[0-9_]", w) and not re.fullmatch(r"[A-Za-z]+-[0-9.]+\w*", w)) for _, w in items)
        if not formed and not (after and _REPORTING.search(after)):
            continue
        for pos, word in items:
            if word and not word.startswith("@") and not PSEUDONYM.match(word) and \
                    MODEL_WORDS.isdisjoint(re.findall(r"[a-z]+", word.lower())):
                start = m.start("list") + m.group("list").index(word, pos)
                out.append((start, start + len(word), word))
    return out


#: Finds bare account names in a text: ``(start, end, name)`` per name
#: (:meth:`pipeline.account_names.AccountNames.find`).
BareNames = Callable[[str], list[tuple[int, int, str]]]


def marked_handles(value: str | None) -> list[tuple[int, int, str]]:
    """The handles of ``value`` written with a mark that makes them one
    (``@name``, ``u/name``, an X, Reddit or Bluesky profile or status URL),
    as :func:`find_handles` gives them; without the bare ones (Reddit's
    generated names, listed commenters, dictionary names)."""
    return [h for h, kind in _matches(value or "") if kind != "reddit_gen"]


def _matches(value: str) -> list[tuple[tuple[int, int, str], str]]:
    """:data:`_HANDLE` matches of ``value`` that are handles, with their group name."""
    out = []
    for m in _HANDLE.finditer(value):
        kind = next(k for k in _HANDLE_GROUPS if m.group(k))
        start, end = m.span(kind)
        handle = m.group(kind)
        if kind == "x_id" and handle.lower() in _X_RESERVED:
            continue
        if kind == "reddit_gen" and not MODEL_WORDS.isdisjoint(re.findall(r"[a-z]+", handle.lower())):
            continue
        if kind == "at":
            before = value[m.start() - 1] if m.start() else ""
            if handle in CODE_AT_WORDS or (before != "/" and re.match(r"[\w.-]*/\w", value[end:])):
                continue
        out.append(((start, end, handle), kind))
    return out


def find_handles(value: str | None, bare: BareNames | None = None) -> list[tuple[int, int, str]]:
    """Every social handle in ``value``, by the rule of :func:`pseudonymise`;
    with ``bare``, also the account names it finds written without a mark
    (the corpus's dictionary of accounts, :mod:`pipeline.account_names`).

    Returns:
        ``(start, end, handle)`` per handle, in text order; ``value[start:end]``
        is the handle itself (without ``@`` or the URL around it). Pseudonyms
        and organisation accounts are included (callers filter them).

    Known misses (docs/privacy.md): handles written without ``@`` in prose
    (except Reddit's generated names, the commenters a recap lists,
    :func:`_user_list`, or names as the subject of a reporting verb,
    :func:`_commenters`, or introduced as one, "a user named …",
    :func:`_named`, wherever they recur in ``value``; the authors of
    Discord messages an AINews page quotes, :data:`_DISCORD`; the display
    name before a tweet's handle, :data:`_DISPLAY_NAMES`, given as that
    handle; and with ``bare``
    the accounts the corpus also names with a mark), a generated name
    whose word is in :data:`MODEL_WORDS`,
    ``twitter.com/intent/user?screen_name=…``, Bluesky custom-domain handles
    in prose (``@simonwillison.net`` hides only ``simonwillison``), accounts
    named like a :data:`CODE_AT_WORDS` entry in lower case, and ``@name/…``
    after a quote or space (read as an npm scope such as ``@vercel/sandbox``).
    """
    if not value:
        return []
    out = [h for h, _ in _matches(value)]
    listed = _user_list(value) + _commenters(value) + _named(value)
    names = {h for _, _, h in listed}
    if names:  # the same commenter later in the text ("… with fooqux sharing experiences")
        pattern = re.compile(r"(?<![\w@/.-])(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) +
                             r")(?![\w-])")
        listed = [(m.start(), m.end(), m.group()) for m in pattern.finditer(value)]
    discord = [(m.start("name"), m.end("name"), m.group("name")) for m in _DISCORD.finditer(value)
               if not PSEUDONYM.match(m.group("name"))]
    at = {start: handle for start, _, handle in out}  # a display name stands for the handle found after it
    shown = sorted({(m.start("name"), m.end("name"), at[m.start("handle")]) for rx in _DISPLAY_NAMES
                    for m in rx.finditer(value) if m.start("handle") in at})
    for more in (shown, listed, discord, bare(value) if bare else []):
        taken = [(a, b) for a, b, _ in out]
        out += [h for h in more if not any(a < h[1] and h[0] < b for a, b in taken)]
    return sorted(out)


def pseudonymise(value: str | None, *, salt: str, keep: frozenset[str], handle_field: bool = False,
                 bare: BareNames | None = None) -> str | None:
    """Replace social handles in ``value`` with salted pseudonyms.

    Handles are those of :func:`find_handles`: ``@mentions``, Bluesky
    ``@name.bsky.social`` and ``bsky.app/profile/<handle>``, and the account
    part of X-like URLs (x.com, twitter.com, mobile.twitter.com, vxtwitter,
    fxtwitter, Nitter hosts; with or without a scheme). With
    ``handle_field`` (a field that holds a handle, such as a post's author)
    a bare value that is itself a handle is replaced whole. A bare word in
    a text or title ("DeepSeek", "RIP", "nan") is a handle only when
    ``bare`` finds it (it was replaced whole before, which turned 90 Reddit
    titles into pseudonyms).
    Handles already pseudonymised (``user_<10 hex>``) and those in ``keep``
    (organisation accounts, compared lower-case) are left as they are.
    """
    if not value:
        return value

    def swap(handle: str) -> str:
        if PSEUDONYM.match(handle) or handle.lower() in keep:
            return handle
        return pseudonym(handle, salt)

    if handle_field and re.fullmatch(r"@?[A-Za-z0-9_]{1,30}", value):
        return swap(value.lstrip("@"))
    parts, last = [], 0
    for start, end, handle in find_handles(value, bare):
        # a kept account's own text stays as written (its display name "OpenAI" before "(@OpenAI)" too)
        kept = handle.lower() in keep and not PSEUDONYM.match(handle)
        parts += [value[last:start], value[start:end] if kept else swap(handle)]
        last = end
    return "".join(parts) + value[last:] if parts else value


def raw_handles(value: str | None, keep: frozenset[str], bare: BareNames | None = None) -> list[str]:
    """The handles in ``value`` that are neither a pseudonym nor in ``keep``
    (lower-case organisation handles), and display names still written
    beside a pseudonym ("Tweet from Foo Bar (@user_…)"): what
    :func:`pseudonymise` would replace."""
    out = []
    for start, end, handle in find_handles(value, bare):
        if PSEUDONYM.match(handle):
            written = value[start:end]
            out += [] if PSEUDONYM.match(written) else [written]
        elif handle.lower() not in keep:
            out.append(handle)
    return out


_STATUS_ID = re.compile(rf"(?<![\w.-])((?:https?://)?(?:{_X_HOST})/(?:#!/)?[A-Za-z0-9_]{{1,15}}/status(?:es)?/)(\d+)",
                        re.IGNORECASE)


def strip_status_ids(value: str | None, *, salt: str) -> str | None:
    """Replace the numeric post id of X-like status URLs in ``value`` with
    ``s_`` + the first 10 hex digits of sha256(salt + "status:" + id): the
    URL no longer opens the post, while two mentions of one post still
    match (option ``privacy.strip_status_ids``)."""
    if not value:
        return value
    return _STATUS_ID.sub(lambda m: m.group(1) + "s_" + hashlib.sha256(
        f"{salt}status:{m.group(2)}".encode()).hexdigest()[:10], value)
