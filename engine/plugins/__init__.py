"""Plugins: connectors from entry points and `plugin.path`, native converters/SMTs, Connect's aliases.

`tasks` names tasks in task configs (Connect's Java names, from the `kconnect.tasks` entry points).
"""

from engine.plugins.registry import (
    ENTRY_POINT_GROUP,
    PLUGINS_FILE,
    PluginDesc,
    PluginRegistry,
    class_path,
    load_class,
)

__all__ = ["ENTRY_POINT_GROUP", "PLUGINS_FILE", "PluginDesc", "PluginRegistry", "class_path", "load_class"]
