"""The error type for bad human data and how messages name a place (defined in
:mod:`cogsim.errors`, re-exported here)."""

from cogsim.errors import DataError, show, where

__all__ = ["DataError", "where", "show"]
