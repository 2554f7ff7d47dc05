"""Builds tests/data/chatgpt-tools/conversations.json: a ChatGPT export shaped like the real
ones (2023 Code Interpreter and browser, 2024-25 web.run, DALL-E, memory, canvas, voice,
reasoning models). Run `python scripts/make_chatgpt_tools_fixture.py` to write it again."""

import json
import uuid
from pathlib import Path

T0 = 1712649600.0  # 2024-04-09


def uid(tag):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "memloci-fixture/" + tag))


class Conv:
    def __init__(self, title, key, t):
        self.title, self.key, self.t, self.start = title, key, t, t
        self.mapping = {}
        root = uid(key + "/root")
        self.mapping[root] = {"id": root, "message": None, "parent": None, "children": []}
        self.last = root
        self.n = 0

    def add(
        self,
        role,
        content,
        *,
        name=None,
        recipient="all",
        meta=None,
        end_turn=None,
        channel=None,
        status="finished_successfully",
        weight=1.0,
        step=7.0,
    ):
        self.n += 1
        self.t += step
        node_id = uid(f"{self.key}/{self.n}")
        message = {
            "id": node_id,
            "author": {"role": role, "name": name, "metadata": {}},
            "create_time": self.t,
            "update_time": None,
            "content": content,
            "status": status,
            "end_turn": end_turn,
            "weight": weight,
            "metadata": {
                "parent_id": self.last,
                "request_id": uid(f"{self.key}/req{self.n}"),
                "timestamp_": "absolute",
                **(meta or {}),
            },
            "recipient": recipient,
            "channel": channel,
        }
        if role == "assistant":
            message["metadata"].setdefault("model_slug", "gpt-4o")
            message["metadata"].setdefault("default_model_slug", "gpt-4o")
        self.mapping[node_id] = {
            "id": node_id,
            "message": message,
            "parent": self.last,
            "children": [],
        }
        self.mapping[self.last]["children"].append(node_id)
        self.last = node_id
        return node_id

    def text(self, role, text, **kw):
        return self.add(role, {"content_type": "text", "parts": [text]}, **kw)

    def dump(self):
        return {
            "title": self.title,
            "create_time": self.start,
            "update_time": self.t,
            "mapping": self.mapping,
            "moderation_results": [],
            "current_node": self.last,
            "plugin_ids": None,
            "conversation_id": uid(self.key),
            "conversation_template_id": None,
            "gizmo_id": None,
            "is_archived": False,
            "safe_urls": [],
            "default_model_slug": "gpt-4o",
            "id": uid(self.key),
        }


convs = []

# 1. Code Interpreter / Advanced Data Analysis, with an uploaded file.
c = Conv("March expenses", "expenses", T0)
c.text("system", "", meta={"is_visually_hidden_from_conversation": True})
c.add(
    "user",
    {
        "content_type": "user_editable_context",
        "user_profile": "The user provided the following information about themselves: "
        "I live in Porto.",
        "user_instructions": "Answer briefly.",
    },
    meta={"is_visually_hidden_from_conversation": True, "user_context_message_data": {}},
)
c.text(
    "user",
    "Here are my expenses for March. Which category did I spend the most on?",
    meta={
        "attachments": [
            {
                "id": "file-Qm8sXk2",
                "name": "expenses-march.csv",
                "size": 2311,
                "mimeType": "text/csv",
            }
        ]
    },
)
c.text("assistant", "Let me look at the file.", end_turn=False)
c.add(
    "assistant",
    {
        "content_type": "code",
        "language": "python",
        "response_format_name": None,
        "text": "import pandas as pd\ndf = pd.read_csv('/mnt/data/expenses-march.csv')\n"
        "df.groupby('category')['amount'].sum().sort_values(ascending=False)",
    },
    recipient="python",
    end_turn=False,
)
c.add(
    "tool",
    {
        "content_type": "execution_output",
        "text": "category\nRent         1200.00\nGroceries     412.50\nTransport      96.20\n"
        "Name: amount, dtype: float64",
    },
    name="python",
    meta={
        "is_complete": True,
        "aggregate_result": {
            "status": "success",
            "run_id": uid("run1"),
            "start_time": T0 + 30,
            "update_time": T0 + 31,
            "code": "import pandas as pd ...",
            "end_time": T0 + 31,
            "final_expression_output": "category\nRent 1200.00\nGroceries 412.50",
            "in_kernel_exception": None,
            "system_exception": None,
            "messages": [],
            "jupyter_messages": [
                {
                    "msg_type": "status",
                    "parent_header": {"msg_id": "x"},
                    "content": {"execution_state": "busy"},
                }
            ],
            "timeout_triggered": None,
        },
    },
)
c.add(
    "assistant",
    {
        "content_type": "code",
        "language": "python",
        "response_format_name": None,
        "text": "import matplotlib.pyplot as plt\n"
        "df.groupby('category')['amount'].sum().plot.bar()\n"
        "plt.savefig('/mnt/data/chart.png')",
    },
    recipient="python",
    end_turn=False,
)
c.add(
    "tool",
    {
        "content_type": "multimodal_text",
        "parts": [
            {
                "content_type": "image_asset_pointer",
                "asset_pointer": "file-service://file-Chart91",
                "size_bytes": 48211,
                "width": 800,
                "height": 600,
                "fovea": None,
                "metadata": None,
            }
        ],
    },
    name="python",
    meta={
        "aggregate_result": {
            "status": "success",
            "messages": [
                {
                    "message_type": "image",
                    "image_payload": None,
                    "image_url": "file-service://file-Chart91",
                }
            ],
        }
    },
)
c.text(
    "assistant",
    "You spent the most on rent (1,200.00 EUR), then groceries (412.50 EUR). "
    "I drew a bar chart of all categories.",
    end_turn=True,
)
c.text("user", "Thanks, that helps with the budget.")
convs.append(c)

# 2. Browsing: the 2023 browser tool, then 2025 web.run with a reasoning model.
c = Conv("Lisbon weekend", "lisbon", T0 + 86400)
c.text("user", "What will the weather be like in Lisbon this weekend?")
c.add(
    "assistant",
    {
        "content_type": "code",
        "language": "unknown",
        "response_format_name": None,
        "text": 'search("Lisbon weather forecast this weekend")',
    },
    recipient="browser",
    end_turn=False,
)
c.add(
    "tool",
    {
        "content_type": "tether_browsing_display",
        "result": "# 【0†Lisbon 7-day forecast - IPMA†www.ipma.pt】\nSaturday sunny 24C ...",
        "summary": None,
        "assets": None,
        "tether_id": None,
    },
    name="browser",
    meta={"_cite_metadata": {"citation_format": {"name": "tether_og"}, "metadata_list": []}},
)
c.add(
    "assistant",
    {
        "content_type": "code",
        "language": "unknown",
        "response_format_name": None,
        "text": "mclick([0])",
    },
    recipient="browser",
    end_turn=False,
)
c.add(
    "tool",
    {
        "content_type": "tether_quote",
        "url": "https://www.ipma.pt/en/otempo/prev.localidade.hora/",
        "domain": "www.ipma.pt",
        "text": "Saturday: clear sky, max 24C. Sunday: showers likely, max 19C.",
        "title": "IPMA forecast Lisboa",
        "tether_id": None,
    },
    name="browser",
)
c.text(
    "assistant",
    "Saturday looks sunny at about 24 degrees; Sunday will probably bring showers.",
    end_turn=True,
    meta={
        "citations": [
            {
                "start_ix": 0,
                "end_ix": 40,
                "metadata": {"type": "webpage", "url": "https://www.ipma.pt"},
            }
        ]
    },
)
c.text("user", "Is the Gulbenkian museum open on Monday?")
c.add(
    "assistant",
    {
        "content_type": "thoughts",
        "thoughts": [
            {
                "summary": "Checking opening hours",
                "content": "The user wants the Gulbenkian opening days; search the official site.",
                "finished": True,
            }
        ],
        "source_analysis_msg_id": uid("th"),
    },
    meta={"model_slug": "o3"},
    end_turn=False,
)
c.add(
    "assistant",
    {"content_type": "reasoning_recap", "content": "Thought for 9 seconds"},
    meta={"model_slug": "o3"},
    end_turn=False,
)
c.add(
    "assistant",
    {
        "content_type": "code",
        "language": "unknown",
        "response_format_name": None,
        "text": '{"search_query": [{"q": "Gulbenkian museum opening hours Monday"}]}',
    },
    recipient="web.run",
    meta={"model_slug": "o3"},
    end_turn=False,
)
c.add(
    "tool",
    {"content_type": "text", "parts": [""]},
    name="web.run",
    meta={
        "search_result_groups": [
            {
                "type": "search_result_group",
                "domain": "gulbenkian.pt",
                "entries": [
                    {
                        "type": "search_result",
                        "url": "https://gulbenkian.pt/en/visit",
                        "title": "Visit",
                        "snippet": "Open every day except Tuesdays, 10:00 to 18:00.",
                    }
                ],
            }
        ]
    },
)
c.add(
    "assistant",
    {
        "content_type": "text",
        "parts": ["Yes, it is open on Monday from 10:00 to 18:00; it closes on Tuesdays."],
    },
    meta={"model_slug": "o3"},
    end_turn=True,
    channel="final",
)
convs.append(c)

# 3. DALL-E, memory, voice and canvas.
c = Conv("Pixel portrait", "pixel", T0 + 2 * 86400)
c.text("user", "Draw my cat Pixel as a watercolor, she is grey with white paws.")
c.text(
    "assistant",
    json.dumps(
        {
            "prompt": "A watercolor painting of a grey cat with white paws named Pixel, "
            "soft washes",
            "size": "1024x1024",
            "n": 1,
        },
        indent=2,
    ),
    recipient="dalle.text2im",
    end_turn=False,
)
c.add(
    "tool",
    {
        "content_type": "multimodal_text",
        "parts": [
            {
                "content_type": "image_asset_pointer",
                "asset_pointer": "file-service://file-Dalle77",
                "size_bytes": 301122,
                "width": 1024,
                "height": 1024,
                "fovea": 512,
                "metadata": {
                    "dalle": {
                        "gen_id": "Xq1",
                        "prompt": "A watercolor painting of a grey cat",
                        "seed": 8842,
                        "parent_gen_id": None,
                        "edit_op": None,
                        "serialization_title": "DALL-E generation metadata",
                    },
                    "gizmo": None,
                    "generation": None,
                    "container_pixel_height": None,
                    "container_pixel_width": None,
                    "emu_omit_glimpse_image": None,
                    "emu_patches_override": None,
                    "sanitized": False,
                    "asset_pointer_link": None,
                    "watermarked_asset_pointer": None,
                },
            }
        ],
    },
    name="dalle.text2im",
)
c.text(
    "tool",
    "\nDALL·E displayed 1 images. The images are already plainly visible, so don't "
    "repeat the descriptions in detail. Do not list download links as they are available in "
    "the ChatGPT UI already.",
    name="dalle.text2im",
    meta={"is_visually_hidden_from_conversation": False},
)
c.text("assistant", "Here is Pixel as a soft watercolor.", end_turn=True)
c.add(
    "user",
    {
        "content_type": "multimodal_text",
        "parts": [
            {
                "content_type": "audio_transcription",
                "text": "Please remember that Pixel is a Maine Coon.",
                "direction": "in",
                "decoding_id": None,
            },
            {
                "content_type": "audio_asset_pointer",
                "asset_pointer": "sediment://file_voice01",
                "size_bytes": 120044,
                "format": "wav",
                "metadata": {"start_timestamp": None, "end_timestamp": None},
            },
        ],
    },
    meta={"voice_mode_message": True},
)
c.add(
    "assistant",
    {
        "content_type": "code",
        "language": "unknown",
        "response_format_name": None,
        "text": "User's cat Pixel is a grey Maine Coon with white paws.",
    },
    recipient="bio",
    end_turn=False,
)
c.text("tool", "Model set context updated.", name="bio")
c.add(
    "assistant",
    {
        "content_type": "multimodal_text",
        "parts": [
            {
                "content_type": "audio_transcription",
                "text": "Got it, I will remember that Pixel is a Maine Coon.",
                "direction": "out",
                "decoding_id": None,
            },
            {
                "content_type": "audio_asset_pointer",
                "asset_pointer": "sediment://file_voice02",
                "size_bytes": 99120,
                "format": "wav",
                "metadata": None,
            },
        ],
    },
    end_turn=True,
    meta={"voice_mode_message": True},
)
c.text("user", "Write a short poem about her in a document.")
c.add(
    "assistant",
    {
        "content_type": "code",
        "language": "json",
        "response_format_name": None,
        "text": json.dumps(
            {
                "name": "pixel_poem",
                "type": "document",
                "content": "Grey as the morning, paws of snow,\nPixel naps where sunbeams go.",
            }
        ),
    },
    recipient="canmore.create_textdoc",
    end_turn=False,
)
c.text(
    "tool",
    "Successfully created text document 'pixel_poem' which will be referenced in all future "
    "messages with the unique identifier textdoc_id: '67f0a1'",
    name="canmore.create_textdoc",
)
c.text("assistant", "I wrote a short poem about Pixel in the document.", end_turn=True)
c.add(
    "tool",
    {
        "content_type": "system_error",
        "name": "tool_error",
        "text": "Error: the python sandbox timed out",
    },
    name="python",
)
convs.append(c)

out = (
    Path(__file__).resolve().parents[1] / "tests" / "data" / "chatgpt-tools" / "conversations.json"
)
out.write_text(
    json.dumps([c.dump() for c in convs], indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
)
print(out, out.stat().st_size)
