# Type stub for the SWIG-generated raw module civic.capi: every public C
# function of libcivic, with handles as SWIG proxies. Typed loosely on
# purpose; the pythonic modules (civic, civic.ledger, civic.waterfall,
# civic.token) carry the real annotations.
from typing import Any

def __getattr__(name: str) -> Any: ...

civic_ctx: Any
civic_ledger: Any
civic_batch: Any
civic_vault: Any
civic_token: Any
civic_waterfall_plan: Any
civic_waterfall_result: Any
civic_waterfall_batch: Any
