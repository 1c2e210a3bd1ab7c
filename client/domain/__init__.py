"""Pure domain rules: no Qt, no network, no database, no file system, no clock reads.

Modules: the shared vocabulary by purpose (``certificates``, ``residents``, ``request``,
``protection`` (支援措置/抑止 records), ``municipality``, ``decision``, ``counter``, ``serialization``;
``model`` re-exports them all), ``partial_date``, ``rules`` (``evaluate``: the one rule
engine for online and BCP), ``reasons`` (reason codes and messages), ``blocks`` (支援措置/抑止,
``check_access`` for 照会), ``content`` (printed items, 認証文, issuer), ``household`` (standard
order), ``kana`` (search key), ``wareki`` (和暦), ``checkdigits``, ``numbering`` (発行番号),
``search_query`` (what the clerk typed, and the search keys).
"""
