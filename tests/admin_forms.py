"""Submit admin forms as a browser would: start from what the form shows, then change fields."""

from django.forms import MultiWidget


def _field_data(form):
    data = {}
    for name, field in form.fields.items():
        bound = form[name]
        value = bound.value()
        if value is None or value is False:
            continue
        if isinstance(field.widget, MultiWidget):
            parts = field.widget.decompress(value)
            for index, part in enumerate(parts):
                if part is not None:
                    data[f"{bound.html_name}_{index}"] = part
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(item) for item in value]
        elif value is True:
            data[bound.html_name] = "on"
        else:
            data[bound.html_name] = value
    return data


def admin_form_data(client, url, **overrides):
    """The POST data of the admin page at `url` as currently filled in, plus `overrides`."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    data = _field_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_field_data(form))
    data.update(overrides)
    return data


def inline_rows(prefix, rows, initial=0):
    """Management form and rows for an inline formset, e.g. inline_rows("sources", [{...}])."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data
