"""GRPOTrainer trains for two steps with the population as its reward function, on a tiny
randomly initialised model and tokenizer built here (nothing is downloaded)."""

from __future__ import annotations

import pytest

datasets = pytest.importorskip("datasets")
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
trl = pytest.importorskip("trl")
tokenizers = pytest.importorskip("tokenizers")

from cogsim.spec import parse_spec  # noqa: E402
from cogsim.text import default_text_items  # noqa: E402
from cogsim.trl import PreferenceReward  # noqa: E402

LENGTH_LOVERS = parse_spec({"name": "tiny", "n_annotators": 8, "seed": 0,
                            "assignment": {"annotators_per_pair": 2},
                            "groups": [{"name": "readers", "share": 1.0,
                                        "model": "bradley_terry",
                                        "values": {"log_length": 1.0}}]})

WORDS = ("how do i sleep better keep a regular schedule skip caffeine after noon the room "
         "dark and cool sorry can't help with that yes no maybe").split()


def tiny_model_and_tokenizer():
    vocab = {w: i for i, w in enumerate(["<pad>", "<eos>", "<unk>", *WORDS])}
    backend = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    backend.decoder = tokenizers.decoders.WordPiece(prefix="##")   # joins words with spaces
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")
    tokenizer.padding_side = "left"
    config = transformers.LlamaConfig(
        vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64,
        pad_token_id=0, eos_token_id=1, bos_token_id=1)
    torch.manual_seed(0)
    return transformers.LlamaForCausalLM(config), tokenizer


def test_grpo_trains_two_steps_on_population_rewards(tmp_path):
    model, tokenizer = tiny_model_and_tokenizer()
    prompts = ["how do i sleep better", "keep a regular schedule"] * 4
    dataset = datasets.Dataset.from_dict({"prompt": prompts})
    reward = PreferenceReward(LENGTH_LOVERS, items=default_text_items(), k=2)
    config = trl.GRPOConfig(
        output_dir=str(tmp_path), per_device_train_batch_size=4, num_generations=4,
        max_completion_length=6, max_steps=2, learning_rate=1e-3, logging_steps=1,
        save_strategy="no", report_to=[], use_cpu=True, seed=0)
    trainer = trl.GRPOTrainer(model=model, processing_class=tokenizer, reward_funcs=reward,
                              args=config, train_dataset=dataset)
    trainer.train()
    logged = [e for e in trainer.state.log_history if "reward" in e]
    assert trainer.state.global_step == 2 and len(logged) == 2
    assert all(0.0 <= e["reward"] <= 1.0 for e in logged)
    assert reward.oracle.annotators["judgments"].sum() > 0
