use amvl_vision::{HiddenAct, Pooling, VisionConfig};

fn error(config: VisionConfig) -> String {
    config.validate().expect_err("config should be rejected")
}

#[test]
fn default_is_the_tiny_shape() {
    let c = VisionConfig::default();
    assert_eq!(
        (c.image_size, c.patch_size, c.hidden_size, c.num_layers, c.num_heads),
        (32, 8, 64, 2, 4)
    );
    assert_eq!(c.intermediate_size, 256);
    assert_eq!(c.layer_norm_eps, 1e-6);
    assert_eq!(c.activation, HiddenAct::GeluPytorchTanh);
    assert!(!c.class_token && !c.pre_layernorm);
    assert_eq!(c.pooling, Pooling::None);
    assert_eq!(c.image_mean, vec![0.5; 3]);
    assert_eq!(c.image_std, vec![0.5; 3]);
    assert_eq!(c.tokens_per_image(), 16);
    c.validate().unwrap();
}

#[test]
fn width_must_divide_by_heads() {
    let e = error(VisionConfig {
        hidden_size: 66,
        ..VisionConfig::default()
    });
    assert!(
        e.contains("`hidden_size` (66) must be divisible by `num_heads` (4)"),
        "{e}"
    );
}

#[test]
fn image_must_divide_by_patch() {
    let e = error(VisionConfig {
        image_size: 30,
        ..VisionConfig::default()
    });
    assert!(
        e.contains("`image_size` (30) must be divisible by `patch_size` (8)"),
        "{e}"
    );
}

#[test]
fn sizes_must_be_nonzero() {
    let e = error(VisionConfig {
        num_layers: 0,
        ..VisionConfig::default()
    });
    assert!(e.contains("`num_layers` must be nonzero"), "{e}");
    let e = error(VisionConfig {
        patch_size: 0,
        ..VisionConfig::default()
    });
    assert!(e.contains("`patch_size` must be nonzero"), "{e}");
}

#[test]
fn class_token_pooling_needs_a_class_token() {
    let e = error(VisionConfig {
        pooling: Pooling::ClassToken,
        ..VisionConfig::default()
    });
    assert!(e.contains("needs `class_token = true`"), "{e}");
}

#[test]
fn mean_and_std_match_channels() {
    let e = error(VisionConfig {
        image_mean: vec![0.5; 2],
        ..VisionConfig::default()
    });
    assert!(e.contains("`image_mean` has 2 values but `num_channels` is 3"), "{e}");
    let e = error(VisionConfig {
        image_std: vec![0.5, 0.0, 0.5],
        ..VisionConfig::default()
    });
    assert!(e.contains("`image_std` values must be positive"), "{e}");
}

#[test]
#[should_panic(expected = "invalid VisionConfig")]
fn init_refuses_invalid_config() {
    VisionConfig {
        num_heads: 5,
        ..VisionConfig::default()
    }
    .init(&burn::tensor::Device::flex());
}

#[test]
fn serde_round_trip_and_names() {
    let c = VisionConfig {
        activation: HiddenAct::QuickGelu,
        pooling: Pooling::AttentionHead,
        ..VisionConfig::default()
    };
    let json = serde_json::to_string(&c).unwrap();
    assert!(
        json.contains("\"quick_gelu\"") && json.contains("\"attention_head\""),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<VisionConfig>(&json).unwrap(), c);

    let partial: VisionConfig = serde_json::from_str(r#"{"num_layers": 3}"#).unwrap();
    assert_eq!(
        partial,
        VisionConfig {
            num_layers: 3,
            ..VisionConfig::default()
        }
    );

    let unknown = serde_json::from_str::<VisionConfig>(r#"{"num_layer": 3}"#).unwrap_err();
    assert!(unknown.to_string().contains("unknown field `num_layer`"), "{unknown}");
}
