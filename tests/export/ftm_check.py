"""Read FtM JSON lines back with followthemoney and check them the way Aleph would need."""

from __future__ import annotations

import json
from typing import Any

from followthemoney import model
from followthemoney.types import registry


def validate_ftm(lines: list[str]) -> dict[str, dict[str, Any]]:
    """Return the entities by id, asserting each is valid under followthemoney's model:
    a concrete schema, known properties with clean values, required ones present, unique ids,
    and every entity reference pointing at an exported entity of the property's range."""
    entities: dict[str, dict[str, Any]] = {}
    for line in lines:
        data = json.loads(line)
        schema = model.get(data["schema"])
        assert schema is not None and not schema.abstract, data["schema"]
        assert registry.entity.validate(data["id"]), data["id"]
        assert data["id"] not in entities, f"duplicate id {data['id']}"
        assert set(data["properties"]) <= set(schema.properties), data
        schema.validate(data)  # raises InvalidData on a bad value
        for name in schema.required:
            assert data["properties"].get(name), f"{data['schema']} lacks {name}"
        # Cleaning again changes nothing: the values were stored clean.
        proxy = model.get_proxy(data, cleaned=False)
        assert proxy.to_dict()["properties"] == data["properties"]
        assert proxy.schema.name == data["schema"]
        entities[data["id"]] = data
    for data in entities.values():
        schema = model.get(data["schema"])
        assert schema is not None
        for name, values in data["properties"].items():
            prop = schema.properties[name]
            if prop.type != registry.entity:
                continue
            for value in values:
                target = entities.get(value)
                assert target is not None, f"{data['schema']}.{name} -> missing {value}"
                target_schema = model.get(target["schema"])
                assert target_schema is not None and prop.range is not None
                assert target_schema.is_a(prop.range), (
                    f"{data['schema']}.{name} must be a {prop.range.name}, not {target['schema']}"
                )
    return entities
