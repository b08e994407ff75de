def test_mock_model_queue(mock_model):
    mock_model.enqueue("hello", " world")
    response = mock_model.prompt("hi")
    assert response.text() == "hello world"
