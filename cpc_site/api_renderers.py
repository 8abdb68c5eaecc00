"""The API's JSON renderer: DRF's, which also takes JSON kept as text (`StoredJSON`: stored
renderings, articles.prerender) and puts it in the answer as it is, instead of parsing it
and encoding it again for every request."""

import json
import secrets

from rest_framework import renderers


class StoredJSON(str):
    """JSON text made by `JSONRenderer.text`, so encoded as the rest of an answer would be:
    the whole answer, a value in it, or an item of a list in it (not deeper)."""


class JSONRenderer(renderers.JSONRenderer):
    @classmethod
    def text(cls, data):
        """`data` as JSON text, encoded as answers are: to keep and serve as `StoredJSON`."""
        return cls().render(data).decode()

    def render(self, data, accepted_media_type=None, renderer_context=None):
        indented = self.get_indent(accepted_media_type or "", renderer_context or {})
        kept = {}
        token = secrets.token_hex(8)

        def hold(value, depth=0):
            if isinstance(value, StoredJSON):
                if indented:  # encoded again, with the indentation asked for
                    return json.loads(value)
                marker = f"stored-json:{token}:{len(kept)}"
                kept[json.dumps(marker).encode()] = value.encode()
                return marker
            if depth < 2 and isinstance(value, dict):
                return {key: hold(item, depth + 1) for key, item in value.items()}
            if depth < 2 and isinstance(value, list):
                return [hold(item, depth + 1) for item in value]
            return value

        rendered = super().render(hold(data), accepted_media_type, renderer_context)
        for marker, text in kept.items():
            rendered = rendered.replace(marker, text, 1)
        return rendered
