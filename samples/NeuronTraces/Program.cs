System.Console.WriteLine("NeuronTraces: sample in progress.");
